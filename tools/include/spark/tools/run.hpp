#pragma once
// `spark run`: build a network (the bundled default, a network file or a snapshot), run it, record
// spikes and traces, plot, snapshot, and print a summary. The command-line parsing lives in cli.hpp;
// this is the logic, callable from tests.
#include <csignal>
#include <cstdint>
#include <filesystem>
#include <iosfwd>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <spark/tools/inputs.hpp>
#include <spark/tools/network_io.hpp>
#include <spark/tools/plot.hpp>
#include <spark/tools/recording.hpp>

namespace spark::tools {

// Exit codes of the program.
inline constexpr int exit_ok = 0;
inline constexpr int exit_error = 1;        // a network, file or runtime error (the message says which)
inline constexpr int exit_usage = 2;        // bad command line
inline constexpr int exit_interrupted = 130; // stopped by SIGINT (after writing what was recorded)

// The most steps a run may reach (the global step counter at its end): step * dt is the time of a
// step in a double, and --duration is refused past the same count.
inline constexpr std::int64_t max_steps = 1'000'000'000'000'000;

enum class ExecutorChoice { automatic, sequential, tbb, pool };  // automatic: pool when threads != 1

struct RunOptions {
    std::optional<std::filesystem::path> network_file;  // none: the default network (or the snapshot's)
    ModelOptions model;                                  // --input NAME=KIND:SHAPE, --templates FILE
    std::vector<InputFlag> drives;                       // --input NAME=const:V | NAME=FILE
    std::optional<double> duration_ms;                   // how long (further, when resuming) [ms]
    std::optional<std::int64_t> steps;                   // or how many steps
    std::optional<std::uint64_t> seed;                   // overrides the network's seed
    unsigned threads = 1;                                // pool or tbb threads (0 = all cores)
    ExecutorChoice executor = ExecutorChoice::automatic;
    std::vector<std::string> record;                     // NODE.PORT
    std::filesystem::path out_dir = "spark-out";
    std::optional<std::filesystem::path> snapshot_in, snapshot_out;
    bool quiet = false;                                  // no progress bar, no summary, no notes
    PlotFormat plot = PlotFormat::automatic;
    // Polled after every step; the run stops cleanly when it becomes non-zero (the SIGINT flag).
    const volatile std::sig_atomic_t* stop = nullptr;
    // A run over several processes (every process calls run_network with the same options): rank 0
    // prints and writes the files, the others record into a scratch directory they remove.
    std::shared_ptr<graph::ProcessGroup> processes;
};

struct PopulationSummary {
    Population population;
    std::int64_t spikes = 0;
    double rate_hz = 0;  // spikes / (units * simulated seconds)
};

struct RunSummary {
    std::vector<PopulationSummary> populations;
    std::int64_t first_step = 0;   // the global step counter at the start of this run
    std::int64_t steps = 0;        // steps run (fewer than asked when interrupted)
    double dt = 0;                 // [ms]
    double wall_seconds = 0;
    bool interrupted = false;
};

// Runs; returns one of the exit codes above. Progress and notes go to `err`, the summary to `out`.
// Throws spark::Error for problems with the network, the files or the options.
int run_network(const RunOptions& options, std::ostream& out, std::ostream& err, RunSummary* summary = nullptr);

// The summary table: one row per population (population, neurons, spikes, mean rate [Hz]) and a
// total row that adds the wall time and the simulated time per wall second.
std::string format_summary(const RunSummary& summary);

// Steps for a duration: ceil(duration / dt) up to a 1e-9 tolerance (1000 ms at 0.1 ms = 10000 steps).
std::int64_t steps_for(double duration_ms, double dt);

}  // namespace spark::tools
