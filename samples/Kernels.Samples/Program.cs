using Kernels.Samples;

// The console sample: `slowdown` reproduces Nielsen's learning-slowdown experiment, `train` trains logistic regression.
const string Usage = """
    Usage:
      Kernels.Samples slowdown [--out DIR]
          Nielsen's single-neuron experiment (chapter 3): quadratic vs cross-entropy cost. Prints the cost and output
          every 50 epochs and writes DIR/learning-slowdown.png (DIR defaults to the current directory).
      Kernels.Samples train [path.csv] [--epochs N] [--lr X]
          Logistic regression with the fused kernel by full-batch gradient descent (defaults: 100 epochs, η = 0.5),
          standardized features, seeded 80/20 split. The CSV's last column is the 0/1 label; a first line that is not
          numeric is skipped as a header. Without a path: a synthetic data set.
    """;

try
{
    return args switch
    {
        ["slowdown", .. var rest] => SlowdownCommand.Run(CommandLine.Parse(rest, "--out")),
        ["train", .. var rest] => TrainCommand.Run(CommandLine.Parse(rest, "--epochs", "--lr")),
        _ => ShowUsage(),
    };
}
catch (Exception error) when (error is ArgumentException or IOException or InvalidDataException or UnauthorizedAccessException)
{
    Console.Error.WriteLine($"error: {error.Message}");
    return 1;
}

static int ShowUsage()
{
    Console.Error.WriteLine(Usage);
    return 2;
}
