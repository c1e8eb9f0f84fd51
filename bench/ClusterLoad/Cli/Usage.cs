namespace OrleansScale.Bench.ClusterLoad.Cli;

public static class Usage
{
    public const string Text = """
        ClusterLoad: an open-loop mixed workload over OrleansScale's public HTTP API that checks every answer
        against what it had acknowledged. See bench/ClusterLoad/README.md.

        usage: dotnet run --project bench/ClusterLoad -c Release -- <scenario> [--option value ...]

        scenarios
          ramp       setup, then steps of growing write rate until one is not sustainable; drain; end checks
          overload   setup, reads alone (quiet), the mix at --multiple x --rate for --duration; drain; end checks
          import     C clients (closed loop) create P products, then R reviewers review each; drain; checks
          idle       no traffic, the queue polled: is anything queued?
          faults     on deploy/hosts.sh's layout: the mix at --rate, each fault made and healed while it runs;
                     drain; end checks

        every scenario
          --api URL               default http://127.0.0.1:(8080 + ORLEANSSCALE_PORT_OFFSET)
          --admin NAME            default admin
          --admin-password PW     default: Admin__Password, else .data/admin-password of this checkout
          --out DIR               default bench/results/<scenario>-<UTC time>Z/
          --timeout 30s           per request; a request without an answer by then is a failure (timeout)
          --connections 4096      HTTP connections at most
          --in-flight-cap 2000    requests out per operation at most; more are counted "not sent (client cap)"
          --check-concurrency 16  requests in flight during the end checks
        durations: 500ms, 30s, 10m, 1h, or a number of seconds

        ramp, overload and faults: setup
          --products 2000 --users 200 --friends 10 --articles 20 --watched-feeds 20 --setup-concurrency 32
        ramp, overload and faults: load
          --mix product-write=0.25,review=0.25,cart-change=0.4,article-save=0.1
                                  how the write rate is shared (weights; names left out keep their default)
          --reads product-read=50,feed-read=10,cart-read=5,article-read=5,sign-in=1
                                  fixed rates (requests/s) beside the writes
          --drain-limit 15m       give up waiting for the queue after this long
          --drain-stable 10s      the queue must stay empty this long
        ramp
          --warmup 10s            the start rate first, reported but not judged: start-up is not load
          --start 50 --factor 1.5 --step 30s --max-rate 5000
                                  write rates start, start x factor, ... up to max-rate
          --p99-limit 2s          a step whose write p99 is above this is not sustainable
          --age-limit 30s         nor one whose queue oldest age ends above this and grew during the step
          --max-failures 1        nor one with more than this % of requests failed (5xx, timeout, reset)
                                  nor one that served less than 95 % of the writes offered
        overload
          --rate R                required: the sustainable write rate (from ramp)
          --multiple 2            offered write rate = multiple x rate
          --duration 10m          of the overload
          --warmup 10s            reads alone first, reported but not counted: start-up is not load
          --quiet 30s             then reads alone for the quiet product-read p99
          --events 185s:add-silo,315s:remove-silo
                          cluster operations during the overload: deploy/SCRIPT.sh of this checkout
                          (add-silo, remove-silo, roll, add-api) or a crash (kill-silo: bench/kill-silo.sh)
                          that long after it began, one after another; marked on the charts, their
                          output in the results, each measured apart against the steady minute before
                          the first
          --event-tail 10s        an event's window goes on this long after its script ended
          --deploy-dir PATH       default deploy/ of this checkout
        import
          --clients 32 --products 10000 --reviewers 10
          --settle 60s            after the drain, watch this long: nothing should be queued
          --drain-limit 15m --drain-stable 10s
        idle
          --duration 60s
        faults (--api the layout's API, http://10.A.B.3:(8080 + offset); docs/hosts.md)
          --rate 40               the write rate throughout, below what the cluster sustains
          --faults silo1:cut,silo1:one-way,silo1:lossy:5,silo1:slow,db:cut
                                  HOST:KIND[:ARG...] as deploy/hosts.sh fault takes them, one after another
          --fault-for 20s         each fault lasts this long under the load
          --recover-for 60s       then the load goes on this long after the heal (every silo awaited Active)
          --warmup 10s --steady 30s
                                  the mix before any fault: warm-up (not counted), then the steady baseline
          --hosts-script PATH     default deploy/hosts.sh of this checkout

        exit code: 0 done and nothing wrong or lost; 3 done with wrong answers or lost writes;
        1 setup failed; 2 bad command line.
        """;
}
