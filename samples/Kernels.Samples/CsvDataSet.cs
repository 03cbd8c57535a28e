using System.Globalization;

namespace Kernels.Samples;

/// <summary>
/// Reads a numeric CSV file whose last column is the label, such as the scikit-learn copies of the breast-cancer
/// and digits data sets: comma-separated, invariant culture, the same number of fields on every data row.
/// </summary>
public static class CsvDataSet
{
    /// <summary>
    /// Loads <paramref name="path"/>. A first line with a non-empty field that is not a number is a header and is
    /// skipped (the breast-cancer file starts with <c>569,30,malignant,benign,,…</c>; the digits file has none).
    /// </summary>
    /// <exception cref="InvalidDataException">A data row has a different field count or a field that is not a number, or there is no data row.</exception>
    public static LabeledDataSet Load(string path)
    {
        List<float> features = [];
        List<float> labels = [];
        int fieldCount = 0;
        int lineNumber = 0;
        foreach (string line in File.ReadLines(path))
        {
            lineNumber++;
            if (line.Length == 0 || (lineNumber == 1 && IsHeader(line)))
            {
                continue;
            }

            string[] fields = line.Split(',');
            if (fieldCount == 0 && fields.Length < 2)
            {
                throw new InvalidDataException($"{path}:{lineNumber}: one field; a row needs at least one feature, then the label.");
            }

            fieldCount = fieldCount == 0 ? fields.Length : fieldCount;
            if (fields.Length != fieldCount)
            {
                throw new InvalidDataException($"{path}:{lineNumber}: {fields.Length} fields, where the first data row has {fieldCount}.");
            }

            for (int i = 0; i < fields.Length - 1; i++)
            {
                features.Add(ParseField(fields[i], path, lineNumber));
            }

            labels.Add(ParseField(fields[^1], path, lineNumber));
        }

        if (labels.Count == 0)
        {
            throw new InvalidDataException($"{path}: no data rows.");
        }

        return new LabeledDataSet([.. features], [.. labels], fieldCount - 1);
    }

    private static bool IsHeader(string line) =>
        line.Split(',').Any(field => field.Length != 0 && !float.TryParse(field, NumberStyles.Float, CultureInfo.InvariantCulture, out _));

    private static float ParseField(string field, string path, int lineNumber) =>
        float.TryParse(field, NumberStyles.Float, CultureInfo.InvariantCulture, out float value)
            ? value
            : throw new InvalidDataException($"{path}:{lineNumber}: '{field}' is not a number.");
}
