#pragma once
// What Simulation.run(steps, record=[...]) records after every step, without the GIL.
#include <cstdint>
#include <string>
#include <vector>

#include <pybind11/pybind11.h>

#include <spark/graph/simulation.hpp>
#include <spark/tools/recording.hpp>

namespace spark::python {

// Records chosen outputs and properties: SpikeArrays as (step, unit) events (spikes.csv's convention:
// the global step counter, the flat unit index), everything else as a dense trace in the port's dtype.
class Recorder {
public:
    // Resolves every label as `spark run --record` does ("pool.out_spikes", "pool.soma.potential");
    // throws GraphError naming the closest names for an unknown one. Repeated labels are recorded once.
    Recorder(const graph::Simulation& sim, const std::vector<std::string>& labels, std::int64_t steps);

    // Records the step just run (the simulation's step counter is past it).
    void record(const graph::Simulation& sim);

    // {"spikes": {label: (steps, units)}, "traces": {label: array of shape (steps_run, *port shape)}}: numpy
    // arrays that take over the recorded data.
    pybind11::dict take(std::int64_t steps_run);

private:
    struct Spikes {
        tools::TraceTarget target;
        std::vector<std::int64_t> steps, units;
    };
    struct Trace {
        tools::TraceTarget target;
        std::vector<std::byte> data;
    };
    bool known(const std::string& label) const;

    std::vector<Spikes> spikes_;
    std::vector<Trace> traces_;
};

}  // namespace spark::python
