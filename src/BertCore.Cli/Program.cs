using BertCore.Cli;

return CommandLine.Run(args);
