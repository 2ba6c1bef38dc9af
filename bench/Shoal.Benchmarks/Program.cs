using BenchmarkDotNet.Running;
using Shoal.Benchmarks;

if (args is ["ceiling"]) PairCeiling.Run();
else if (args is ["pair", ..]) await PairLoop.RunAsync(args.Length > 1 ? int.Parse(args[1]) : 10, args.Length > 2 ? int.Parse(args[2]) : null);
else BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
