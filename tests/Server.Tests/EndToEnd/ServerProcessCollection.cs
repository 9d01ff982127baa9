namespace FastDb.Server.Tests.EndToEnd;

/// <summary>Child-process tests run one at a time: the machine has two cores and each test drives 20 clients.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ServerProcessCollection
{
    public const string Name = "sqlcluster child process";
}
