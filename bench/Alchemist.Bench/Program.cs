namespace Alchemist.Bench;

public static class Program
{
    public static int Main(string[] args)
    {
        if (args.Length == 0)
        {
            return Usage();
        }

        try
        {
            return args[0] switch
            {
                "labelmodel" => LabelModelBenchmark.Run(args[1..]),
                "apply" => ApplyBenchmark.Run(args[1..]),
                "quality" => QualityBenchmark.Run(args[1..]),
                "predict" => PredictBenchmark.Run(args[1..]),
                "predict-child" => PredictBenchmark.RunChild(args[1..]),
                "rerun" => RerunBenchmark.Run(args[1..]),
                "studio" => StudioBenchmark.Run(args[1..]),
                "rerun-child" => RerunBenchmark.RunChild(args[1..]),
                "scale" => ScaleBenchmark.Run(args[1..]),
                "scale-child" => ScaleBenchmark.RunChild(args[1..]),
                "images" => ImagesBenchmark.Run(args[1..]),
                "images-child" => ImagesBenchmark.RunChild(args[1..]),
                _ => Usage(),
            };
        }
        catch (ArgumentException error)
        {
            Console.Error.WriteLine($"bench: {error.Message}");
            return 2;
        }
    }

    private static int Usage()
    {
        Console.Error.WriteLine("usage: bench/run labelmodel [--rows N] [--lfs M] [--classes K] [--seed S] [--threads T] [--models mv,wmv,ds,ds-votes,metal,fs] [--json]");
        Console.Error.WriteLine("       bench/run apply [--rows N] [--ten-rows N] [--threads 1,2] [--repeats N] [--json]");
        Console.Error.WriteLine("       bench/run apply --offline-set [--offline-rows N] [--json]   (the 16 offline youtube programs isolated and in process, against the rule matcher natively)");
        Console.Error.WriteLine("       bench/run apply --memory [--memory-rows N] [--isolation process|none] [--json]");
        Console.Error.WriteLine("       bench/run predict [--rows 1000000,10000000] [--json]   (streaming predict: rows/s and peak memory per size, against reading the whole file first)");
        Console.Error.WriteLine("       bench/run rerun [--repeats N] [--verbose]   (`run` after one edited program on the example, against the first full run)");
        Console.Error.WriteLine("       bench/run studio [--rows 10000] [--saves 5] [--json]   (a save in the studio through Chromium until its figures are on the page, against the same save through the API)");
        Console.Error.WriteLine("       bench/run scale [--rows 1000000,10000000] [--work DIR] [--keep]   (`run` over generated youtube comments: seconds, apply seconds, rows/s and peak memory per size)");
        Console.Error.WriteLine("       bench/run images [--images 10000]   (image extraction with the example's toy CLIP model: images/s and peak memory, cold against every embedding cached)");
        Console.Error.WriteLine("       bench/run quality [--metric accuracy|macro_f1] <project>...   (final-label sources, choice rules and evaluation.metric scored on train gold)");
        return 2;
    }
}
