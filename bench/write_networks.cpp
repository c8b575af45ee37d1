// Writes the benchmark networks as network files (examples/networks/): CUBA at N = 4000, 20000, 80000
// and 320000, and the Potjans & Diesmann microcircuit, from the C++ builders in this folder, so that
// `spark run` runs exactly what the benchmarks run. Usage: write_networks OUTPUT_DIR
#include <cstdio>
#include <fstream>
#include <string>

#include <spark/serialization/network_file.hpp>

#include "cuba_network.hpp"
#include "microcircuit.hpp"

namespace {
void write(const std::string& path, const std::string& header, const spark::graph::Network& net) {
    std::ofstream out(path);
    out << header << spark::serialization::to_network_text(net);
    std::printf("wrote %s\n", path.c_str());
}
}  // namespace

int main(int argc, char** argv) {
    if (argc != 2) {
        std::fprintf(stderr, "usage: write_networks OUTPUT_DIR\n");
        return 2;
    }
    const std::string dir = argv[1];
    for (std::size_t n : {4000u, 20000u, 80000u, 320000u}) {
        const std::string header =
            "# The CUBA benchmark network (Vogels & Abbott 2005; Brette et al. 2007; Brian2's CUBA example) at N = " +
            std::to_string(n) +
            ",\n# written by bench/write_networks from bench/cuba_network.hpp (see that header for the model and\n"
            "# bench/README.md for the comparison with Brian2). E (80 %) and I (20 %) strict-refractory LIF somas,\n"
            "# exponential current synapses (5 / 10 ms), weights 1.62 / 9 mV, connection probability 80 / N,\n"
            "# dt 0.1 ms. Run 1 s: spark run cuba_" +
            std::to_string(n) + ".txtpb --duration 1000\n";
        write(dir + "/cuba_" + std::to_string(n) + ".txtpb", header, spark::bench::cuba_network(n));
    }
    write(dir + "/microcircuit.txtpb",
          "# The cortical microcircuit of Potjans & Diesmann (2014), full scale (77 169 neurons, ~3e8 synapses),\n"
          "# written by bench/write_networks from bench/microcircuit.hpp (see that header for what is the\n"
          "# published model and what differs). Building it takes ~20 s and ~2.4 GB.\n"
          "# Run 1 s: spark run microcircuit.txtpb --duration 1000\n",
          spark::bench::microcircuit_network());
    return 0;
}
