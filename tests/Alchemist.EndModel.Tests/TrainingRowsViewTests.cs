using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Trainers;
using Xunit;

namespace Alchemist.EndModel.Tests;

public sealed class TrainingRowsViewTests
{
    private const int Classes = 3;
    private const int Slots = 6;

    [Fact]
    public void Unshuffled_it_trains_exactly_the_model_that_MLNETs_own_loader_gives_for_the_same_rows()
    {
        var (vectors, vectorOfRow, classOfRow, weightOfRow) = Rows();
        var ml = new MLContext(1);
        var ours = Fit(ml, new TrainingRowsView(Classes, Slots, vectors, vectorOfRow, classOfRow, weightOfRow));

        var loaded = vectorOfRow.Select((v, r) => new LoadedRow { Features = vectors[v], Label = classOfRow[r], Weight = weightOfRow[r] }).ToList();
        var schema = SchemaDefinition.Create(typeof(LoadedRow));
        schema[nameof(LoadedRow.Label)].ColumnType = new KeyDataViewType(typeof(uint), Classes);
        schema[nameof(LoadedRow.Features)].ColumnType = new VectorDataViewType(NumberDataViewType.Single, Slots);
        var theirs = Fit(ml, ml.Data.LoadFromEnumerable(loaded, schema));

        Assert.Equal(theirs.Biases, ours.Biases);
        for (var c = 0; c < Classes; c++)
        {
            Assert.Equal(theirs.Weights[c], ours.Weights[c]);
        }
    }

    [Fact]
    public void A_shuffled_cursor_visits_every_row_once_with_its_own_id_class_weight_and_features()
    {
        var (vectors, vectorOfRow, classOfRow, weightOfRow) = Rows();
        var view = new TrainingRowsView(Classes, Slots, vectors, vectorOfRow, classOfRow, weightOfRow);
        var firstOrder = Visit(view, new Random(7), vectors, vectorOfRow, classOfRow, weightOfRow);
        var secondOrder = Visit(view, new Random(8), vectors, vectorOfRow, classOfRow, weightOfRow);

        Assert.Equal(Enumerable.Range(0, classOfRow.Length), firstOrder.Order());
        Assert.Equal(Enumerable.Range(0, classOfRow.Length), secondOrder.Order());
        Assert.NotEqual(Enumerable.Range(0, classOfRow.Length), firstOrder);
        Assert.NotEqual(firstOrder, secondOrder);
        Assert.Equal(Enumerable.Range(0, classOfRow.Length), Visit(view, null, vectors, vectorOfRow, classOfRow, weightOfRow));
    }

    [Fact]
    public void Rows_that_disagree_in_number_are_refused()
    {
        var error = Assert.Throws<ArgumentException>(() => new TrainingRowsView(Classes, Slots, [], [0, 0], [1], [1f, 1f]));
        Assert.Contains("2 vectors, 1 classes, 2 weights", error.Message, StringComparison.Ordinal);
    }

    /// <summary>Walks a cursor, checking each row's values against the arrays by its id, and returns the ids in visit order.</summary>
    private static List<int> Visit(TrainingRowsView view, Random? rand, VBuffer<float>[] vectors, int[] vectorOfRow, uint[] classOfRow, float[] weightOfRow)
    {
        using var cursor = view.GetRowCursor(view.Schema, rand);
        var id = cursor.GetIdGetter();
        var label = cursor.GetGetter<uint>(view.Schema[TrainingRowsView.LabelColumn]);
        var weight = cursor.GetGetter<float>(view.Schema[TrainingRowsView.WeightColumn]);
        var features = cursor.GetGetter<VBuffer<float>>(view.Schema[TrainingRowsView.FeaturesColumn]);
        var order = new List<int>();
        DataViewRowId rowId = default;
        uint key = 0;
        float rowWeight = 0;
        VBuffer<float> vector = default;
        while (cursor.MoveNext())
        {
            id(ref rowId);
            label(ref key);
            weight(ref rowWeight);
            features(ref vector);
            var row = (int)rowId.Low;
            Assert.Equal(classOfRow[row] + 1, key);
            Assert.Equal(weightOfRow[row], rowWeight);
            Assert.Equal(vectors[vectorOfRow[row]].DenseValues(), vector.DenseValues());
            order.Add(row);
        }

        return order;
    }

    /// <summary>40 sparse vectors, each the row of one or two classes with soft weights (as the end model's targets give).</summary>
    private static (VBuffer<float>[] Vectors, int[] VectorOfRow, uint[] ClassOfRow, float[] WeightOfRow) Rows()
    {
        var vectors = new VBuffer<float>[40];
        var vectorOfRow = new List<int>();
        var classOfRow = new List<uint>();
        var weightOfRow = new List<float>();
        for (var v = 0; v < vectors.Length; v++)
        {
            var cls = (uint)(v % Classes);
            vectors[v] = new VBuffer<float>(Slots, 2, [1f, 0.25f * (v % 4)], [(int)cls, Classes + (v % 3)]);
            vectorOfRow.Add(v);
            classOfRow.Add(cls);
            weightOfRow.Add(v % 5 == 0 ? 0.6f : 1f);
            if (v % 5 == 0)
            {
                vectorOfRow.Add(v);
                classOfRow.Add((cls + 1) % Classes);
                weightOfRow.Add(0.4f);
            }
        }

        return (vectors, [.. vectorOfRow], [.. classOfRow], [.. weightOfRow]);
    }

    private static (float[] Biases, float[][] Weights) Fit(MLContext ml, IDataView data)
    {
        var fitted = ml.MulticlassClassification.Trainers.SdcaMaximumEntropy(new SdcaMaximumEntropyMulticlassTrainer.Options
        {
            LabelColumnName = TrainingRowsView.LabelColumn,
            FeatureColumnName = TrainingRowsView.FeaturesColumn,
            ExampleWeightColumnName = TrainingRowsView.WeightColumn,
            L2Regularization = 1e-3f,
            MaximumNumberOfIterations = 20,
            NumberOfThreads = 1,
            Shuffle = false,
        }).Fit(data);
        VBuffer<float>[] weights = [];
        fitted.Model.GetWeights(ref weights, out _);
        return ([.. fitted.Model.GetBiases()], [.. weights.Select(w => w.DenseValues().ToArray())]);
    }

    private sealed class LoadedRow
    {
        public VBuffer<float> Features { get; set; }

        public uint Label { get; set; }

        public float Weight { get; set; }
    }
}
