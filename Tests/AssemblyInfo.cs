// Each test class starts a real two-silo cluster; on a 2-core machine running them one at a time keeps
// the tuned failure detection (1 s probes) from mistaking a busy CPU for a dead silo.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
