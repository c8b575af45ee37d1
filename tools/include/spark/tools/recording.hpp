#pragma once
// What `spark run` records while a network runs.
//
// Populations. A population is a spiking group of neurons: every node of component category "soma"
// (leaky_soma, adaptive_leaky_soma, ...) together with its SpikeArray output. Its name is the path of
// the composite neuron that contains it ("exc" for the soma "exc.soma"), or the soma's own path when
// the soma is a top-level node or when two somas share one parent. Spike sources (poisson_spiker, ...)
// are not populations: they are interfaces, not neurons.
//
// spikes.csv. Header `step,time_ms,node,unit`, then one row per spike of every population, in step
// order, populations in build order, units ascending. `step` is the global step counter of the step
// that emitted the spike (it continues across a snapshot resume), `time_ms` = step * dt (the start
// of that step), `node` the population name, `unit` the flat (row-major) index of the unit.
//
// Traces. `--record NODE.PORT` records any output or property of any node after every step. NODE is
// a flattened node path ("exc.soma") or a composite neuron ("exc", whose exported output
// "out_spikes" is resolved to the inner port, e.g. "exc.soma.spikes"). Values are written as float32:
// spikes as their signed value -1/0/+1, integers and masks converted. Two files per trace, named after
// the argument: `<NODE.PORT>.csv` (header `step,time_ms,<port>[0],<port>[1],...`, one row per step)
// and `<NODE.PORT>.npy` (NumPy format 1.0, float32, shape [steps, units]).
#include <cstdint>
#include <filesystem>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <spark/core/file_io.hpp>
#include <spark/core/registry.hpp>
#include <spark/graph/simulation.hpp>

namespace spark::tools {

struct Population {
    std::string name;        // "exc"
    std::string node;        // the soma's flattened path, "exc.soma"
    std::string port;        // its SpikeArray output, "spikes"
    std::size_t units = 0;
};

// The populations of a built simulation (see above), in build order.
std::vector<Population> find_populations(const graph::Simulation& simulation, const Registry& registry);

// "0.3" for 3 * 0.1: the time of step `step` [ms], rounded to 1e-9 ms and printed in shortest form.
std::string format_time(std::int64_t step, double dt);

// One spike as the raster plot reads it: the global step and the flat index of the unit.
struct RecordedSpike {
    std::int64_t step = 0;
    std::size_t unit = 0;
};

// Writes spikes.csv and counts the spikes of every population; with keep_spikes() it also keeps them
// in memory, one list per population (for the raster plot).
//
// Over several processes (`processes`; record() and close() are then collective): every process keeps
// the spikes of its own units (Simulation::read_own, no exchange per step) and rank 0 merges every
// process's into the file every `merge_steps` recorded steps and at close(), in the order one process
// writes them: the file is one process's, byte for byte. Only rank 0's file, counts() and spikes() are
// the run's (the others' hold no spike).
class SpikeRecorder {
public:
    static constexpr std::size_t merge_steps = 1000;
    // Opens `path` (truncating it) and writes the header when `header` is true (it is flushed at once).
    // Every write and close() throws FileError when the file cannot be written.
    SpikeRecorder(std::vector<Population> populations, const std::filesystem::path& path, bool header,
                  graph::ProcessGroup* processes = nullptr);
    // Appends the spikes of the step just run (sim.step_count() - 1).
    void record(const graph::Simulation& simulation);
    void close();
    void keep_spikes() { spikes_.resize(populations_.size()); }

    const std::vector<Population>& populations() const noexcept { return populations_; }
    const std::vector<std::int64_t>& counts() const noexcept { return counts_; }
    // The spikes recorded since keep_spikes(), per population (empty without it).
    const std::vector<std::vector<RecordedSpike>>& spikes() const noexcept { return spikes_; }

private:
    // Adds the line of a spike of population p (`prefix`: the step's "step,time," once formed).
    void add(std::int64_t step, double dt, std::size_t p, std::size_t unit, std::string& prefix);
    // Over several processes: this process's spikes of the step, then (every merge_steps steps) merge().
    void record_own(const graph::Simulation& simulation, std::int64_t step);
    // Collective: every process's held steps gathered to rank 0, which adds them in file order.
    void merge();

    std::vector<Population> populations_;
    std::vector<std::int64_t> counts_;
    std::vector<std::vector<RecordedSpike>> spikes_;
    OutputFile out_;
    std::string line_;
    graph::ProcessGroup* processes_ = nullptr;
    // Held since the last merge: the steps, and per step and population a count then the spiking units.
    std::vector<std::int64_t> held_steps_;
    std::vector<std::uint32_t> held_;
    double dt_ = 0.0;
};

// Writes a float32 matrix in NumPy format 1.0, one row at a time; the row count is filled in by close().
// Write errors throw FileError.
class NpyWriter {
public:
    NpyWriter(const std::filesystem::path& path, std::size_t columns);
    ~NpyWriter();
    NpyWriter(const NpyWriter&) = delete;
    NpyWriter& operator=(const NpyWriter&) = delete;
    void append(std::span<const float> row);
    void close();
    std::size_t rows() const noexcept { return rows_; }

private:
    std::string header() const;
    OutputFile out_;
    std::size_t columns_, rows_ = 0;
    bool open_ = false;
};

// One output or property to record, resolved to a flattened node.
struct TraceTarget {
    std::string label;  // as given: "exc.out_spikes"
    std::string node;   // flattened node path: "exc.soma"
    std::string port;   // the port on that node: "spikes"
    PortSpec spec;
};

// Resolves "NODE.PORT" against the built simulation and, for composite neurons, the templates of
// `network`. Throws GraphError naming the closest "node.port" names when it matches nothing.
TraceTarget resolve_trace(const graph::Simulation& simulation, const graph::Network& network,
                          const graph::TemplateRegistry& templates, const Registry& registry, std::string_view text);

// Every "node.port" name resolve_trace accepts, sorted.
std::vector<std::string> traceable_names(const graph::Simulation& simulation, const graph::Network& network,
                                         const graph::TemplateRegistry& templates, const Registry& registry);

// Records one trace into `<dir>/<label>.csv` and `<dir>/<label>.npy`.
//
// Over several processes (`processes`; record() and close() are then collective), a trace of an output
// is recorded as spikes.csv is (SpikeRecorder): every process keeps the values of its own elements
// (Simulation::read_own) and rank 0 merges them into whole rows every SpikeRecorder::merge_steps steps
// and at close(). A property is read whole (gathered) every step.
class TraceRecorder {
public:
    TraceRecorder(TraceTarget target, const std::filesystem::path& dir, bool header,
                  graph::ProcessGroup* processes = nullptr);
    void record(const graph::Simulation& simulation);
    void close();
    const TraceTarget& target() const noexcept { return target_; }

private:
    void write_row(std::int64_t step, double dt);
    void record_own(const graph::Simulation& simulation);
    void merge();  // collective

    TraceTarget target_;
    OutputFile csv_;
    NpyWriter npy_;
    std::vector<float> row_;
    std::string line_;
    graph::ProcessGroup* processes_ = nullptr;
    // Held since the last merge: the steps, and this process's elements [own_.begin, own_.end) of each.
    std::vector<std::int64_t> held_steps_;
    std::vector<float> held_;
    UnitShare own_{0, 0};
    double dt_ = 0.0;
};

// The float32 value of every element of a payload view (spikes: signed value).
void to_float(const PortSpec& spec, ConstArrayRef view, std::span<float> out);

}  // namespace spark::tools
