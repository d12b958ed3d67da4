using System.Globalization;
using Alchemist.Data;
using Alchemist.Evaluation;
using Alchemist.Labeling;
using Alchemist.Programs.Apply;
using Alchemist.Spec;
using Alchemist.Tests;
using Xunit;

namespace Alchemist.Pipeline.Tests;

/// <summary>
/// The example with end_model.train_sample_rows below its 1,586 train rows: train is counted and checked but not held, the
/// end model and the cross-fits learn from a 1,000-row sample, and every train row is labeled batch by batch from the file.
/// </summary>
public sealed class StreamedTrainRunTests(StreamedTrainRunTests.SampledRun run) : IClassFixture<StreamedTrainRunTests.SampledRun>
{
    private const int SampleRows = 1_000;
    private const int TrainRows = 1_586;

    public sealed class SampledRun : IAsyncLifetime
    {
        public string Directory { get; } = ExampleProject.CopyTo(Path.Combine(Path.GetTempPath(), "alchemist-sampled-" + Guid.NewGuid().ToString("N")));

        public StringWriter Log { get; } = new();

        public RunSummary Summary { get; private set; } = null!;

        public RunArtifacts Artifacts { get; private set; } = null!;

        public async ValueTask InitializeAsync()
        {
            File.AppendAllText(Path.Combine(Directory, TaskSpec.FileName), $"end_model:\n  train_sample_rows: {SampleRows}\n");
            var pipeline = new RunPipeline(Log);
            Summary = await pipeline.RunAsync(Directory);
            Artifacts = pipeline.Artifacts!;
        }

        public ValueTask DisposeAsync()
        {
            System.IO.Directory.Delete(Directory, recursive: true);
            return ValueTask.CompletedTask;
        }
    }

    [Fact]
    public void Every_train_row_is_labeled_in_file_order_though_only_a_sample_is_held()
    {
        var spec = SpecReader.Load(run.Directory);
        var whole = SpecData.LoadDataset(spec);
        Assert.Equal(SampleRows, run.Artifacts.Dataset.Train.Count);
        Assert.Equal(TrainRows, run.Artifacts.TrainRows);
        Assert.Equal(SampleRows, run.Artifacts.Votes[SplitName.Train].Rows);
        Assert.Equal(TrainRows, AllTrainVotes().Rows);
        var trainLines = File.ReadLines(Path.Combine(run.Directory, run.Summary.LabelsCsv)).Skip(1).Where(l => l.StartsWith("train,", StringComparison.Ordinal)).ToList();
        Assert.Equal(whole.Train.Rows.RowIds, trainLines.Select(l => l.Split(',')[1]));
        Assert.Contains("reading a sample of 1,000 of the 1,586 train rows", run.Log.ToString(), StringComparison.Ordinal);
        Assert.Contains("1,000 of the 1,586 train rows", File.ReadAllText(Path.Combine(run.Directory, run.Summary.Report)), StringComparison.Ordinal);
    }

    [Fact]
    public void Labels_made_batch_by_batch_are_those_of_the_whole_split_at_once()
    {
        var spec = SpecReader.Load(run.Directory);
        var whole = SpecData.LoadDataset(spec).Train.Rows;
        var artifacts = run.Artifacts;
        var classes = artifacts.Dataset.Classes;
        var votes = AllTrainVotes();
        var labelModel = new float[votes.Rows * classes];
        artifacts.LabelModel.PredictProbabilities(votes, labelModel);
        var choice = artifacts.FinalChoice!;
        var final = choice.UseDevOnly
            ? choice.ApplyDevOnly(EndModelStage.Predict(spec, artifacts.EndModel.BaselineModel!, whole), classes)
            : choice.Apply(labelModel, EndModelStage.Predict(spec, artifacts.EndModel.Model, whole), votes.CoveredRows(), classes);
        var expected = ClassificationMetrics.ArgMax(final, classes);

        var written = File.ReadLines(Path.Combine(run.Directory, run.Summary.LabelsCsv)).Skip(1).Where(l => l.StartsWith("train,", StringComparison.Ordinal))
            .Select(l => l.Split(',')).ToList();
        Assert.Equal(expected.Select(c => spec.ClassNames[c]), written.Select(f => f[2]));
        for (var r = 0; r < written.Count; r++)
        {
            // The end model's float sums may round in another order on another thread: equal to a few units in the 7th digit.
            Assert.InRange(Math.Abs(final[(r * classes) + 1] - float.Parse(written[r][4], CultureInfo.InvariantCulture)), 0, 1e-5);
        }

        Assert.Equal(Enumerable.Range(0, classes).Select(c => (long)expected.Count(l => l == c)), artifacts.FinalTrainCounts);
    }

    [Fact]
    public void The_sample_keeps_each_label_model_class_share_of_train()
    {
        var artifacts = run.Artifacts;
        var sample = artifacts.TrainSample!;
        Assert.Equal(SampleRows, sample.Length);
        Assert.True(sample.Zip(sample.Skip(1)).All(p => p.First < p.Second), "the sample's rows are ascending and distinct");
        // Offline programs get no offline rules beside them, so the run's label model is the one the sample was drawn by.
        var strata = TrainSample.Strata(AllTrainVotes(), artifacts.LabelModel);
        foreach (var stratum in strata.Distinct())
        {
            var share = (double)strata.Count(s => s == stratum) / strata.Length;
            Assert.InRange(sample.Count(r => strata[r] == stratum), (int)Math.Floor(share * SampleRows), (int)Math.Ceiling(share * SampleRows));
        }

        // The sample's rows are the file's rows at those positions, and its votes theirs.
        Assert.Equal(AllTrainVotes().SelectRows(sample).Column(0).ToArray(), artifacts.Votes[SplitName.Train].Column(0).ToArray());
        var whole = SpecData.LoadDataset(SpecReader.Load(run.Directory)).Train.Rows;
        Assert.Equal(sample.Select(r => whole.RowIds[r]), artifacts.Dataset.Train.Rows.RowIds);
        Assert.Equal(sample.Select(r => whole.Text("text")[r]), artifacts.Dataset.Train.Rows.Text("text"));
    }

    [Fact]
    public void The_sampled_run_still_beats_the_majority_class_and_says_how_train_was_read()
    {
        Assert.True(run.Summary.FinalTestAccuracy > run.Summary.MajorityClassTestAccuracy, $"final {run.Summary.FinalTestAccuracy} against majority {run.Summary.MajorityClassTestAccuracy}\n{run.Log}");
        Assert.True(run.Summary.FinalTestAccuracy >= 0.9, $"final test accuracy {run.Summary.FinalTestAccuracy}\n{run.Log}");
        Assert.Contains("data: train 1586 rows, valid 120 rows, test 250 rows (train streamed", run.Log.ToString(), StringComparison.Ordinal);
        Assert.Contains("labeling all 1,586 train rows, streamed from the file", run.Log.ToString(), StringComparison.Ordinal);
    }

    /// <summary>Every train row's votes, which the run keeps on disk where the final rule reads them.</summary>
    private LabelMatrix AllTrainVotes() => LabelMatrixFile.Read(FinalRule.TrainVotesPath(Path.Combine(run.Directory, RunPipeline.OutputFolder)));
}
