using System.Globalization;

namespace Kernels.Samples;

/// <summary>The arguments of one command: positional values and <c>--name value</c> options from a known set.</summary>
internal sealed class CommandLine
{
    private readonly Dictionary<string, string> _options;

    private CommandLine(List<string> positionals, Dictionary<string, string> options)
    {
        Positionals = positionals;
        _options = options;
    }

    /// <summary>The arguments that are not options, in order.</summary>
    public IReadOnlyList<string> Positionals { get; }

    /// <summary>Parses <paramref name="args"/>, accepting only the options named in <paramref name="optionNames"/>.</summary>
    /// <exception cref="ArgumentException">An unknown option, or an option without a value.</exception>
    public static CommandLine Parse(ReadOnlySpan<string> args, params string[] optionNames)
    {
        List<string> positionals = [];
        Dictionary<string, string> options = [];
        for (int i = 0; i < args.Length; i++)
        {
            if (!args[i].StartsWith("--", StringComparison.Ordinal))
            {
                positionals.Add(args[i]);
            }
            else if (!optionNames.Contains(args[i]))
            {
                throw new ArgumentException($"Unknown option '{args[i]}'.");
            }
            else if (i + 1 == args.Length)
            {
                throw new ArgumentException($"Option '{args[i]}' needs a value.");
            }
            else
            {
                options[args[i]] = args[++i];
            }
        }

        return new CommandLine(positionals, options);
    }

    /// <summary>The value of option <paramref name="name"/>, or <paramref name="fallback"/>.</summary>
    public string Text(string name, string fallback) => _options.GetValueOrDefault(name, fallback);

    /// <summary>The positive integer value of option <paramref name="name"/>, or <paramref name="fallback"/>.</summary>
    public int PositiveInteger(string name, int fallback) =>
        !_options.TryGetValue(name, out string? text) ? fallback
        : int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out int value) && value > 0 ? value
        : throw new ArgumentException($"Option '{name}' needs a positive integer, not '{text}'.");

    /// <summary>The positive number value of option <paramref name="name"/>, or <paramref name="fallback"/>.</summary>
    public float PositiveNumber(string name, float fallback) =>
        !_options.TryGetValue(name, out string? text) ? fallback
        : float.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out float value) && value > 0 && float.IsFinite(value) ? value
        : throw new ArgumentException($"Option '{name}' needs a positive number, not '{text}'.");
}
