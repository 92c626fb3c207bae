using CloudMatrix.Compute.Cli;

return CmxApp.Run(args, Console.Out, Console.Error);
