using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using Alchemist.Data;
using Alchemist.Evaluation;
using Alchemist.Labeling;
using Alchemist.Pipeline;
using Alchemist.Spec;

namespace Alchemist.Pipeline.Report;

/// <summary>
/// The run report: one self-contained HTML file (Chart.js is inlined, nothing is fetched) with the programs table, the
/// label-model comparison, class balance, accuracy and confusion matrix, the cost ledger and plots.
/// Every chart marks its canvas with data-rendered="true" once drawn; any script error is listed in #report-errors.
/// </summary>
public static class HtmlReport
{
    private static readonly Lazy<string> ChartJs = new(() =>
    {
        using var stream = typeof(HtmlReport).Assembly.GetManifestResourceStream("Alchemist.Pipeline.Report.chart.umd.min.js")
            ?? throw new InvalidOperationException("the report's plotting library (chart.umd.min.js) is missing from the build");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    });

    /// <summary>The run's report as one self-contained HTML page (its plotting library inlined, so it reads offline).</summary>
    public static string Render(RunArtifacts run, RunSummary summary, Ledger ledger)
    {
        var spec = run.Spec;
        var classes = spec.ClassNames;
        var html = new StringBuilder();
        html.Append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">");
        html.Append(CultureInfo.InvariantCulture, $"<title>Alchemist report: {E(spec.Name)}</title>");
        html.Append("<style>").Append(Style).Append("</style></head><body>\n");
        html.Append(CultureInfo.InvariantCulture, $"<h1>Alchemist report: {E(spec.Name)}</h1>\n<p>{E(spec.Description)}</p>\n");
        html.Append("<div id=\"report-errors\" class=\"errors\"></div>\n");
        if (summary.Warnings.Count > 0)
        {
            html.Append("<div class=\"banner warn\" id=\"warnings\"><b>Warnings</b><ul>");
            foreach (var warning in summary.Warnings)
            {
                html.Append(CultureInfo.InvariantCulture, $"<li>{E(warning)}</li>");
            }

            html.Append("</ul></div>\n");
        }

        AppendSummary(html, run, summary);
        AppendSplitUse(html, run);
        AppendAccuracy(html, run, summary);
        AppendConcepts(html, run.Spec);
        AppendPrograms(html, run);
        AppendLabelModels(html, run);
        AppendClassBalance(html, run);
        AppendConfusion(html, run);
        AppendCost(html, run, ledger);

        html.Append("<h2>Plots</h2>\n<div class=\"plots\">");
        html.Append("<figure><canvas id=\"plot-coverage\" width=\"640\" height=\"360\"></canvas><figcaption>Coverage of each program on train</figcaption></figure>");
        html.Append("<figure><canvas id=\"plot-accuracy-coverage\" width=\"640\" height=\"360\"></canvas><figcaption>Empirical accuracy on valid against coverage on train, one point per program</figcaption></figure>");
        html.Append("<figure><canvas id=\"plot-confusion\" width=\"640\" height=\"360\"></canvas><figcaption>Confusion matrix of the final labels on test (test rows per gold class, split by predicted class)</figcaption></figure>");
        html.Append("</div>\n");

        html.Append("<script>").Append(ChartJs.Value).Append("</script>\n");
        html.Append("<script>const REPORT = ").Append(PlotData(run).Replace("</", "<\\/", StringComparison.Ordinal)).Append(";</script>\n");
        html.Append("<script>").Append(PlotScript).Append("</script>\n");
        html.Append("</body></html>\n");
        return html.ToString();
    }

    private static void AppendSummary(StringBuilder html, RunArtifacts run, RunSummary summary)
    {
        html.Append("<h2>Summary</h2>\n<table class=\"kv\">");
        Row(html, "programs", summary.Programs.ToString(CultureInfo.InvariantCulture));
        Row(html, "written by", summary.Synthesizer);
        Row(html, "coverage on train", Pct(summary.Coverage));
        Row(html, "label model", summary.LabelModel);
        Row(html, "final labels from", summary.FinalSource);
        Row(html, "LLM calls", summary.LlmCalls.ToString(CultureInfo.InvariantCulture));
        Row(html, "cost", $"${summary.CostUsd:0.0000}");
        Row(html, "rows labeled", string.Join(", ", run.Dataset.Splits.Select(s => $"{s.Name} {(s.Name == SplitName.Train ? run.TrainRows : s.Count)}")));
        if (run.TrainSample is { } sample)
        {
            Row(html, "train sample", $"{sample.Length:N0} of the {run.TrainRows:N0} train rows (end_model.train_sample_rows), stratified by the label model's class: the end model and the cross-fits learned from these; the label model fitted on every row's votes, and every row was labeled");
        }

        html.Append("</table>\n");
    }

    private static void AppendSplitUse(StringBuilder html, RunArtifacts run)
    {
        var writer = run.Synthesizer == OfflineSynthesis.OfflineSynthesizer.Provenance
            ? "the offline synthesizer wrote the programs from the valid split's gold labels"
            : $"programs came from {E(run.Synthesizer)}";
        html.Append(CultureInfo.InvariantCulture, $"<p class=\"splits\" id=\"split-use\"><b>Splits:</b> {writer}; the label model was fitted on train votes (no gold) and chosen on valid; the end model was trained on train rows with at least one vote (label-model probabilities) plus the valid gold rows; the final-label source was chosen on valid (end model cross-fitted); the dev-only baseline was trained on the valid gold rows alone; test gold labels were used only to compute the test figures below.</p>\n");
    }

    private static void AppendAccuracy(StringBuilder html, RunArtifacts run, RunSummary summary)
    {
        html.Append("<h2>Accuracy</h2>\n<table id=\"accuracy-table\"><tr><th>labels</th><th>valid accuracy</th><th>test accuracy</th><th>test macro-F1</th></tr>");
        var validEnd = run.EndModel.ValidOutOfSample is { } oos ? new Dictionary<string, float[]> { [SplitName.Valid] = oos, [SplitName.Test] = run.EndModel.Predictions.GetValueOrDefault(SplitName.Test)! } : run.EndModel.Predictions;
        foreach (var (name, probabilities) in new (string, IReadOnlyDictionary<string, float[]>?)[]
        {
            ("final (" + summary.FinalSource + ")", run.FinalProbabilities),
            ("label model (" + run.LabelModel.Name + ")", run.LabelModelProbabilities),
            ("end model (valid: cross-fitted)", validEnd),
            ("dev-only baseline (valid: trained on it)", run.EndModel.BaselinePredictions),
        })
        {
            var valid = run.Metrics(probabilities, SplitName.Valid);
            var test = run.Metrics(probabilities, SplitName.Test);
            html.Append(CultureInfo.InvariantCulture, $"<tr><td>{E(name)}</td><td>{Num(valid?.Accuracy)}</td><td>{Num(test?.Accuracy)}</td><td>{Num(test?.MacroF1)}</td></tr>");
        }

        var figures = run.Figures;
        if (figures.MajorityClass >= 0)
        {
            var majorityValid = run.Dataset.Valid is { } v && v.Rows.HasAnyGold ? ClassCollapse.Shares(v.Rows.Labels, run.Dataset.Classes)[figures.MajorityClass] : (double?)null;
            html.Append(CultureInfo.InvariantCulture, $"<tr class=\"trivial\" id=\"majority-row\"><td>always {E(run.Spec.ClassNames[figures.MajorityClass])} (the majority class of {figures.MajorityClassFrom})</td><td>{Num(majorityValid)}</td><td>{Num(figures.MajorityClassTest?.Accuracy)}</td><td>{Num(figures.MajorityClassTest?.MacroF1)}</td></tr>");
        }

        html.Append("</table>\n");
        if (summary.FinalVersusDevOnly is { } verdict && figures.FinalTest is { } final && figures.DevOnlyTest is { } baseline && figures.FinalOverDevOnly is { } lead)
        {
            var metric = lead.Metric;
            var css = verdict switch { "ahead" => "good", "behind" => "bad", _ => "tie" };
            html.Append(CultureInfo.InvariantCulture,
                $"<p class=\"verdict {css}\" id=\"verdict\">The final labels are {E(FinalFigures.DescribeVersusDevOnly(verdict, metric.DisplayName()))}: {metric.Of(final):0.000} against {metric.Of(baseline):0.000} " +
                $"(a lead of {lead.Lead:+0.000;-0.000;0.000}, one standard error {lead.StandardError:0.000}; accuracy {final.Accuracy:0.000} against {baseline.Accuracy:0.000}, macro-F1 {final.MacroF1:0.000} against {baseline.MacroF1:0.000}).</p>\n");
        }

        if (summary.FinalTestPerClass.Count > 0)
        {
            html.Append("<h3>Final labels on test, per class</h3>\n<table id=\"per-class-table\"><tr><th>class</th><th>precision</th><th>recall</th><th>F1</th><th>gold rows</th><th>predicted rows</th></tr>");
            foreach (var c in summary.FinalTestPerClass)
            {
                html.Append(CultureInfo.InvariantCulture, $"<tr><td>{E(c.Class)}</td><td>{Num(c.Precision)}</td><td>{Num(c.Recall)}</td><td>{Num(c.F1)}</td><td>{c.Support}</td><td>{c.Predicted}</td></tr>");
            }

            html.Append("</table>\n");
        }

        if (summary.FinalTestPerGroup.Count > 0)
        {
            html.Append(CultureInfo.InvariantCulture,
                $"<h3>Test accuracy per group</h3>\n<p id=\"worst-group\">Worst-group accuracy: final labels {Num(summary.FinalTestWorstGroupAccuracy)} (group {E(summary.WorstGroup ?? "")}), label model {Num(summary.LabelModelTestWorstGroupAccuracy)}, end model {Num(summary.EndModelTestWorstGroupAccuracy)}, dev-only baseline {Num(summary.DevOnlyBaselineTestWorstGroupAccuracy)}.</p>\n");
            html.Append("<table id=\"per-group-table\"><tr><th>group</th><th>test rows</th><th>final labels</th><th>dev-only baseline</th></tr>");
            foreach (var g in summary.FinalTestPerGroup)
            {
                html.Append(CultureInfo.InvariantCulture, $"<tr><td>{E(g.Group)}</td><td>{g.Rows}</td><td>{Num(g.FinalAccuracy)}</td><td>{Num(g.DevOnlyAccuracy)}</td></tr>");
            }

            html.Append("</table>\n");
        }
    }

    /// <summary>
    /// An image project's concepts: the score field each becomes, the text its images were scored against, and its range on
    /// valid, so that a reader of a program over <c>row.Red_score</c> knows what was asked of the images.
    /// </summary>
    private static void AppendConcepts(StringBuilder html, TaskSpec spec)
    {
        if (spec.Extractor is not { Concepts.Count: > 0 } extractor)
        {
            return;
        }

        html.Append("<h2>Image concepts</h2>\n");
        html.Append(CultureInfo.InvariantCulture, $"<p>Each image scored against each concept by {E(extractor.ImageEncoder)}: {extractor.LogitScale.ToString("0.###", CultureInfo.InvariantCulture)} x the cosine similarity of the image's and the text's embeddings.</p>\n");
        html.Append("<table id=\"concepts-table\"><tr><th>score field</th><th>text the images were scored against</th><th>range</th></tr>");
        foreach (var concept in extractor.Concepts)
        {
            var field = ExtractorSpec.ScoreField(concept.Name);
            html.Append(CultureInfo.InvariantCulture, $"<tr><td>{E(field)}</td><td>{E(extractor.PromptOf(concept))}</td><td>{E(extractor.ScoreRanges.GetValueOrDefault(field) ?? "")}</td></tr>");
        }

        html.Append("</table>\n");
    }

    private static void AppendPrograms(StringBuilder html, RunArtifacts run)
    {
        var train = run.Analyses[SplitName.Train];
        run.Analyses.TryGetValue(SplitName.Valid, out var valid);
        run.Analyses.TryGetValue(SplitName.Test, out var test);
        var applied = run.Apply.Splits.SelectMany(s => s.Programs).GroupBy(p => p.Name).ToDictionary(g => g.Key, g => g.ToList());
        html.Append("<h2>Programs</h2>\n<table id=\"programs-table\"><tr><th>program</th><th>author</th><th>votes</th><th>coverage (train)</th><th>overlap</th><th>conflict</th><th>estimated accuracy</th><th>empirical accuracy (valid)</th><th>empirical accuracy (test)</th><th>errors</th><th>source</th></tr>");
        foreach (var file in run.Programs)
        {
            var j = IndexOf(train.Programs, file.Name);
            var errors = applied.TryGetValue(file.Name, out var results)
                ? string.Join("; ", results.Where(r => r.Errors + r.BudgetExceeded > 0 || r.Status != Programs.Apply.ProgramStatus.Ok)
                    .Select(r => $"{r.Errors} errors, {r.BudgetExceeded} over budget{(r.Reason is null ? "" : ": " + r.Reason)}{(r.FirstFault is null ? "" : $" (first: {r.FirstFault})")}"))
                : "";
            var rejected = run.Apply.Rejected.FirstOrDefault(r => r.Name == file.Name);
            if (rejected is not null)
            {
                errors = "rejected: " + rejected.Reason;
            }

            var p = j >= 0 ? train.Programs[j] : null;
            var v = valid is not null && j >= 0 ? valid.Programs[j] : null;
            var t = test is not null && j >= 0 ? test.Programs[j] : null;
            var polarity = p is null ? "" : string.Join(", ", p.Polarity.Select(c => run.Spec.ClassNames[c]));
            html.Append(CultureInfo.InvariantCulture, $"<tr><td>{E(file.Name)}</td><td>{E(file.Provenance.DescribeAuthor())}</td><td>{E(polarity)}</td><td>{Pct(p?.Coverage)}</td><td>{Pct(p?.Overlaps)}</td><td>{Pct(p?.Conflicts)}</td><td>{Num(p?.EstimatedAccuracy)}</td><td>{Num(v?.EmpiricalAccuracy)}</td><td>{Num(t?.EmpiricalAccuracy)}</td><td class=\"err\">{E(errors)}</td>");
            html.Append(CultureInfo.InvariantCulture, $"<td><details><summary>{file.Source.Count(c => c == '\n')} lines</summary><pre>{E(file.Render())}</pre></details></td></tr>\n");
        }

        html.Append("</table>\n");
        html.Append(CultureInfo.InvariantCulture, $"<p>All programs together: coverage {Pct(train.Coverage)}, overlap {Pct(train.Overlaps)}, conflict {Pct(train.Conflicts)} on train.</p>\n");
        html.Append("<h3>Sandbox walls</h3>\n<ul id=\"sandbox-walls\">");
        foreach (var wall in run.Apply.DescribeWalls())
        {
            html.Append(CultureInfo.InvariantCulture, $"<li>{E(wall)}</li>");
        }

        html.Append("</ul>\n");
    }

    private static void AppendLabelModels(StringBuilder html, RunArtifacts run)
    {
        html.Append("<h2>Label models on valid</h2>\n");
        if (run.LabelModelValidScores.Count == 0)
        {
            html.Append(CultureInfo.InvariantCulture, $"<p>No gold labels on valid: {E(run.LabelModel.Name)} was used without comparison.</p>\n");
            return;
        }

        html.Append("<table id=\"label-models\"><tr><th>label model</th><th>valid accuracy</th><th>valid macro-F1</th><th>classes left out</th><th></th></tr>");
        foreach (var candidate in run.LabelModelValidScores)
        {
            var leftOut = candidate.Collapsed.Count == 0 ? "" : ClassCollapse.Describe(candidate.Collapsed, run.Dataset.ClassNames);
            html.Append(CultureInfo.InvariantCulture, $"<tr><td>{E(candidate.Name)}</td><td>{Num(candidate.Valid.Accuracy)}</td><td>{Num(candidate.Valid.MacroF1)}</td><td>{E(leftOut)}</td><td>{(candidate.Name == run.LabelModel.Name ? "chosen" : "")}</td></tr>");
        }

        html.Append("</table>\n");
        if (run.LabelModelChoiceReason is { } reason)
        {
            html.Append(CultureInfo.InvariantCulture, $"<p id=\"label-model-choice\">{E(reason)}</p>\n");
        }

        if (run.FinalChoice is { } choice)
        {
            html.Append("<p>Final-label source on valid, cross-fitted (weight of the label model where programs voted; the rest, and every row no program voted on, is the end model; both sides temperature-calibrated on valid): ");
            html.Append(string.Join(", ", choice.Scores.Select(s => $"{s.Weight:0.00} → accuracy {s.ValidAccuracy:0.000}, log-loss {s.ValidLogLoss:0.000}")));
            if (choice.DevOnly is { } devOnly)
            {
                html.Append(CultureInfo.InvariantCulture, $"; dev-only baseline (cross-fitted) → accuracy {devOnly.ValidAccuracy:0.000}, log-loss {devOnly.ValidLogLoss:0.000}");
            }

            html.Append(CultureInfo.InvariantCulture, $". Chosen: {E(choice.Describe())}.</p>\n");
            AppendChoiceMargin(html, choice);
        }
    }

    /// <summary>
    /// Why the chosen source was chosen: the default blend unless the best on valid leads it by more than
    /// <see cref="PairedLead.RequiredStandardErrors"/> standard errors of the paired difference. On a valid split of a few
    /// hundred rows the candidates are often a row or two apart, and a reader should know when a choice rests on a few rows.
    /// </summary>
    private static void AppendChoiceMargin(StringBuilder html, FinalChoice.Choice choice)
    {
        html.Append(CultureInfo.InvariantCulture, $"<p id=\"choice-margin\">Ranked by valid {E(choice.Metric.DisplayName())}: {E(choice.Reason)}.</p>\n");
    }

    private static void AppendClassBalance(StringBuilder html, RunArtifacts run)
    {
        var classes = run.Dataset.Classes;
        html.Append("<h2>Class balance</h2>\n<table><tr><th>class</th><th>prior used by the label model</th>");
        foreach (var split in run.Dataset.Splits.Where(s => s.Rows.HasAnyGold))
        {
            html.Append(CultureInfo.InvariantCulture, $"<th>gold share ({split.Name})</th>");
        }

        html.Append("<th>final labels (train)</th></tr>");
        var finalTrainCounts = run.FinalTrainCounts.Count == classes ? run.FinalTrainCounts
            : ClassificationMetrics.ArgMax(run.FinalProbabilities[SplitName.Train], classes) is var finalTrain ? [.. Enumerable.Range(0, classes).Select(c => (long)finalTrain.Count(l => l == c))] : [];
        var finalTrainRows = Math.Max(1, finalTrainCounts.Sum());
        for (var c = 0; c < classes; c++)
        {
            html.Append(CultureInfo.InvariantCulture, $"<tr><td>{E(run.Spec.ClassNames[c])}</td><td>{Pct(run.ClassPrior.Count > c ? run.ClassPrior[c] : null)}</td>");
            foreach (var split in run.Dataset.Splits.Where(s => s.Rows.HasAnyGold))
            {
                var labels = split.Rows.Labels;
                var gold = labels.Count(l => l >= 0);
                html.Append(CultureInfo.InvariantCulture, $"<td>{Pct((double)labels.Count(l => l == c) / gold)}</td>");
            }

            html.Append(CultureInfo.InvariantCulture, $"<td>{Pct((double)finalTrainCounts[c] / finalTrainRows)}</td></tr>");
        }

        html.Append("</table>\n");
    }

    private static void AppendConfusion(StringBuilder html, RunArtifacts run)
    {
        html.Append("<h2>Confusion matrix on test</h2>\n");
        if (run.Metrics(run.FinalProbabilities, SplitName.Test) is not { } metrics)
        {
            html.Append("<p>The test split has no gold labels.</p>\n");
            return;
        }

        var names = run.Spec.ClassNames;
        html.Append(CultureInfo.InvariantCulture, $"<p>Final labels, accuracy {metrics.Accuracy:0.000} on {metrics.Rows} test rows. Rows: gold class; columns: predicted class.</p>");
        html.Append("<table id=\"confusion\"><tr><th>gold \\ predicted</th>");
        foreach (var name in names)
        {
            html.Append(CultureInfo.InvariantCulture, $"<th>{E(name)}</th>");
        }

        html.Append("</tr>");
        for (var g = 0; g < names.Count; g++)
        {
            html.Append(CultureInfo.InvariantCulture, $"<tr><th>{E(names[g])}</th>");
            for (var p = 0; p < names.Count; p++)
            {
                html.Append(CultureInfo.InvariantCulture, $"<td{(g == p ? " class=\"diag\"" : "")}>{metrics.Confusion[(g * names.Count) + p]}</td>");
            }

            html.Append("</tr>");
        }

        html.Append("</table>\n");
    }

    private static void AppendCost(StringBuilder html, RunArtifacts run, Ledger ledger)
    {
        var zeroShot = Ledger.EstimateZeroShot(run.Spec);
        html.Append("<h2>Cost</h2>\n<table id=\"cost\"><tr><th></th><th>LLM calls</th><th>cost (USD)</th></tr>");
        html.Append(CultureInfo.InvariantCulture, $"<tr><td>this project (ledger)</td><td>{ledger.Calls}</td><td>{ledger.CostUsd:0.0000}</td></tr>");
        html.Append(CultureInfo.InvariantCulture, $"<tr><td>zero-shot labeling of all {zeroShot.Rows} rows with {E(zeroShot.Model)} (estimate: ~{zeroShot.MeanPromptTokens:0} prompt tokens and {zeroShot.ReplyTokens} reply tokens per row)</td><td>{zeroShot.Rows}</td><td>{zeroShot.CostUsd:0.0000}</td></tr>");
        html.Append("</table>\n");
        if (ledger.Records.Count > 0)
        {
            html.Append("<details><summary>Ledger entries</summary><table><tr><th>purpose</th><th>provider</th><th>model</th><th>input tokens</th><th>output tokens</th><th>cost (USD)</th></tr>");
            foreach (var record in ledger.Records)
            {
                html.Append(CultureInfo.InvariantCulture, $"<tr><td>{E(record.Purpose)}</td><td>{E(record.Provider)}</td><td>{E(record.Model)}</td><td>{record.InputTokens}</td><td>{record.OutputTokens}</td><td>{record.CostUsd:0.0000}</td></tr>");
            }

            html.Append("</table></details>\n");
        }
    }

    private static string PlotData(RunArtifacts run)
    {
        var train = run.Analyses[SplitName.Train];
        run.Analyses.TryGetValue(SplitName.Valid, out var valid);
        var confusion = run.Metrics(run.FinalProbabilities, SplitName.Test);
        var data = new
        {
            classes = run.Spec.ClassNames,
            programs = train.Programs.Select(p => p.Name).ToArray(),
            coverage = train.Programs.Select(p => Math.Round(p.Coverage, 4)).ToArray(),
            validAccuracy = train.Programs.Select((p, j) => valid?.Programs[j].EmpiricalAccuracy is double a && !double.IsNaN(a) ? Math.Round(a, 4) : (double?)null).ToArray(),
            confusion = confusion?.Confusion.ToArray(),
        };
        return JsonSerializer.Serialize(data);
    }

    private static int IndexOf(IReadOnlyList<ProgramAnalysis> programs, string name)
    {
        for (var j = 0; j < programs.Count; j++)
        {
            if (programs[j].Name == name)
            {
                return j;
            }
        }

        return -1;
    }

    private static void Row(StringBuilder html, string key, string value) =>
        html.Append(CultureInfo.InvariantCulture, $"<tr><th>{E(key)}</th><td>{E(value)}</td></tr>");

    private static string E(string? text) => WebUtility.HtmlEncode(text ?? "");

    private static string Num(double? value) => value is double v && !double.IsNaN(v) ? v.ToString("0.000", CultureInfo.InvariantCulture) : "–";

    private static string Pct(double? value) => value is double v && !double.IsNaN(v) ? (v * 100).ToString("0.0", CultureInfo.InvariantCulture) + "%" : "–";

    private const string Style = """
        body{font-family:system-ui,sans-serif;margin:2em;max-width:1300px;color:#222}
        table{border-collapse:collapse;margin:.5em 0 1.5em}th,td{border:1px solid #ccc;padding:.25em .5em;text-align:left;vertical-align:top}
        th{background:#f3f3f3}td.diag{background:#e3f4e3;font-weight:bold}td.err{color:#a00}
        pre{font-size:12px;background:#f8f8f8;padding:.5em;max-width:900px;overflow:auto}
        .verdict.good{color:#060}.verdict.tie{color:#333}.verdict.bad{color:#a00;font-weight:bold}.errors{color:#a00}tr.trivial td{color:#666;font-style:italic}
        .banner.warn{background:#fff4d6;border:1px solid #e0a800;border-left:6px solid #e0a800;padding:.5em 1em;margin:1em 0}.banner.warn ul{margin:.25em 0}
        .plots{display:flex;flex-wrap:wrap;gap:1em}figure{margin:0}figcaption{font-size:13px;color:#555}
        """;

    private const string PlotScript = """
        (function () {
          const errors = document.getElementById('report-errors');
          function fail(message) { const p = document.createElement('p'); p.className = 'script-error'; p.textContent = 'plot error: ' + message; errors.appendChild(p); }
          window.addEventListener('error', e => fail(e.message));
          function draw(id, config) {
            try {
              config.options = Object.assign({ animation: false, responsive: false }, config.options || {});
              new Chart(document.getElementById(id), config);
              document.getElementById(id).dataset.rendered = 'true';
            } catch (e) { fail(id + ': ' + e.message); }
          }
          const palette = ['#4e79a7', '#f28e2b', '#e15759', '#76b7b2', '#59a14f', '#edc948', '#b07aa1', '#ff9da7', '#9c755f', '#bab0ac'];
          draw('plot-coverage', {
            type: 'bar',
            data: { labels: REPORT.programs, datasets: [{ label: 'coverage on train', data: REPORT.coverage, backgroundColor: palette[0] }] },
            options: { scales: { y: { min: 0, max: 1, title: { display: true, text: 'coverage' } } } }
          });
          draw('plot-accuracy-coverage', {
            type: 'scatter',
            data: { datasets: [{ label: 'programs', backgroundColor: palette[1],
              data: REPORT.programs.map((name, i) => ({ x: REPORT.coverage[i], y: REPORT.validAccuracy[i], name: name })).filter(p => p.y !== null) }] },
            options: { scales: { x: { min: 0, title: { display: true, text: 'coverage (train)' } }, y: { min: 0, max: 1, title: { display: true, text: 'empirical accuracy (valid)' } } },
              plugins: { tooltip: { callbacks: { label: c => c.raw.name + ': ' + c.raw.x + ', ' + c.raw.y } } } }
          });
          if (REPORT.confusion) {
            const k = REPORT.classes.length;
            draw('plot-confusion', {
              type: 'bar',
              data: { labels: REPORT.classes.map(c => 'gold ' + c),
                datasets: REPORT.classes.map((c, p) => ({ label: 'predicted ' + c, backgroundColor: palette[p % palette.length],
                  data: REPORT.classes.map((_, g) => REPORT.confusion[g * k + p]) })) },
              options: { scales: { x: { stacked: true }, y: { stacked: true, title: { display: true, text: 'test rows' } } } }
            });
          } else {
            document.getElementById('plot-confusion').replaceWith(Object.assign(document.createElement('p'), { textContent: 'no gold labels on test' }));
          }
        })();
        """;
}
