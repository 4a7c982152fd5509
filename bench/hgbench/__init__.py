"""The side-by-side benchmark of httpgate against nginx, HAProxy and
PicoLisp's httpGate. bench/run.sh installs, builds and calls bench/bench.py,
which drives these modules."""
