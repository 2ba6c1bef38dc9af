namespace Shoal.Lab.Drivers;

/// <summary>What each node's kernel links carried during one trial's fetches (counter deltas), with the run's network tag.</summary>
public sealed record TrialLinkCounters(string Trial, int Repetition, string Tag, IReadOnlyList<LinkCounter> Nodes);
