using System.Globalization;
using CloudMatrix.Compute.Collectives;
using Xunit.Abstractions;

namespace CloudMatrix.Compute.Tests.Collectives.Validation;

/// <summary>
/// Every row of <c>docs/validation.md</c>: the model's prediction within the row's stated tolerance of the published
/// figure. Fitted rows check the fit still holds; held-out rows are the independent check.
/// </summary>
public class PublishedMeasurementTests(ITestOutputHelper output)
{
    public static TheoryData<string> Rows => [.. PublishedMeasurements.All.Select(r => r.Id)];

    [Theory]
    [MemberData(nameof(Rows))]
    public void Prediction_IsWithinTheStatedToleranceOfThePublishedFigure(string id)
    {
        PublishedMeasurement row = PublishedMeasurements.All.Single(r => r.Id == id);
        var (predicted, timing) = PublishedMeasurements.Predict(row);
        double error = (predicted - row.Measured) / row.Measured;
        double expected = row.KnownError ?? 0;
        Assert.True(Math.Abs(error - expected) <= row.Tolerance,
            string.Create(CultureInfo.InvariantCulture,
                $"{row.Id}: measured {row.Measured:G4}, predicted {predicted:G4} ({timing.Algorithm}/{timing.Protocol}), error {error:P1}, documented {expected:P1} ± {row.Tolerance:P0}"));
    }

    [Fact]
    public void Table_PrintsEveryRow()
    {
        foreach (PublishedMeasurement row in PublishedMeasurements.All)
        {
            var (predicted, timing) = PublishedMeasurements.Predict(row);
            var (before, _) = PublishedMeasurements.Predict(row, ideal: true);
            double error = (predicted - row.Measured) / row.Measured;
            double errorBefore = (before - row.Measured) / row.Measured;
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {row.Id} | {row.Bytes:G6} | {row.Measured:G4} | {before:G4} | {errorBefore:+0.0%;-0.0%} | {predicted:G4} | {error:+0.0%;-0.0%} | {(row.KnownError is { } k ? $"{k:+0%;-0%} ± {row.Tolerance:P0}" : $"{row.Tolerance:P0}")} | {(row.Fitted ? "fit" : "held out")} | {Collective.Name(timing.Algorithm)}/{timing.Protocol} ch{timing.Channels} |"));
        }
    }
}
