#include <spark/tools/run.hpp>

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <iomanip>
#include <memory>
#include <optional>
#include <ostream>
#include <sstream>

#include <spark/components/builtin.hpp>
#include <spark/core/error.hpp>
#include <spark/core/text.hpp>
#include <spark/tools/default_network.hpp>
#include <spark/tools/network_io.hpp>

namespace spark::tools {

namespace {

using Clock = std::chrono::steady_clock;

LoadedNetwork default_loaded() {
    LoadedNetwork n;
    n.network = default_network();
    graph::register_builtin_templates(n.templates);
    n.source = "<default network>";
    return n;
}

// The network to run and the step it starts from.
struct Source {
    LoadedNetwork network;
    std::int64_t start_step = 0;
};

Source resolve_source(const RunOptions& o) {
    Source s;
    if (o.snapshot_in) {
        auto info = read_snapshot_info(*o.snapshot_in);
        const std::uint64_t stored_seed = info.network.network.seed;
        if (o.seed && *o.seed != stored_seed)
            throw Error("--seed " + std::to_string(*o.seed) + " differs from the seed " + std::to_string(stored_seed) +
                        " stored in snapshot '" + o.snapshot_in->string() + "'; a resumed run keeps its seed");
        if (o.network_file) {
            LoadedNetwork file = load_network_file(*o.network_file, o.model);
            if (o.seed) file.network.seed = *o.seed;  // the network the command line describes
            if (file.network.seed != stored_seed)
                throw SnapshotError("network file '" + o.network_file->string() + "' has seed " +
                                    std::to_string(file.network.seed) + " but snapshot '" + o.snapshot_in->string() +
                                    "' was taken with seed " + std::to_string(stored_seed) +
                                    "; a resumed run keeps its seed (give --seed " + std::to_string(stored_seed) +
                                    " if the first run was given it)");
            if (!same_description(file, info.network))
                throw SnapshotError("network file '" + o.network_file->string() + "' does not match the network stored in "
                                    "snapshot '" + o.snapshot_in->string() + "'; run the snapshot alone (without a "
                                    "file) or with the file it was taken from");
        }
        s.network = std::move(info.network);
        s.start_step = info.step;
        return s;
    }
    s.network = o.network_file ? load_network_file(*o.network_file, o.model) : default_loaded();
    if (o.seed) s.network.network.seed = *o.seed;
    return s;
}

class ProgressBar {
public:
    ProgressBar(std::ostream& err, std::int64_t total, double dt, bool enabled)
        : err_(err), total_(total), dt_(dt), enabled_(enabled && total > 0), start_(Clock::now()), last_(start_) {}

    void update(std::int64_t done) {
        if (!enabled_) return;
        const auto now = Clock::now();
        if (done != total_ && now - last_ < std::chrono::milliseconds(100)) return;
        last_ = now;
        const double frac = static_cast<double>(done) / static_cast<double>(total_);
        const int width = 30, filled = static_cast<int>(frac * width);
        const double wall = std::chrono::duration<double>(now - start_).count();
        const double sim_s = static_cast<double>(done) * dt_ / 1000.0;
        std::ostringstream line;
        line << "\r[" << std::string(static_cast<std::size_t>(filled), '#')
             << std::string(static_cast<std::size_t>(width - filled), ' ') << "] " << std::setw(3)
             << static_cast<int>(frac * 100) << "%  " << format_number(std::round(static_cast<double>(done) * dt_ * 1000) / 1000)
             << " / " << format_number(std::round(static_cast<double>(total_) * dt_ * 1000) / 1000) << " ms";
        if (wall > 0) line << "  " << std::fixed << std::setprecision(2) << sim_s / wall << " s/s";
        err_ << line.str() << std::flush;
        drawn_ = true;
    }
    void finish() {
        if (drawn_) err_ << "\n" << std::flush;
        drawn_ = false;
    }

private:
    std::ostream& err_;
    std::int64_t total_;
    double dt_;
    bool enabled_, drawn_ = false;
    Clock::time_point start_, last_;
};

// The drives of --input NAME=const:V | NAME=FILE, checked against the built network and the run's length.
std::vector<InputDrive> make_drives(const std::vector<InputFlag>& flags, const graph::Simulation& sim,
                                    std::int64_t steps) {
    std::vector<InputDrive> drives;
    for (const auto& flag : flags) {
        auto spec = sim.input_specs().find(flag.name);
        if (spec == sim.input_specs().end()) {
            std::vector<std::string> names;
            for (const auto& [name, _] : sim.input_specs()) names.push_back(name);
            throw Error("--input " + flag.name + ": the network has no input '" + flag.name + "' (inputs: " +
                        (names.empty() ? std::string("none") : join(names)) + ")");
        }
        for (const auto& d : drives)
            if (d.name() == flag.name) throw Error("--input " + flag.name + ": the input is driven twice");
        drives.emplace_back(flag, spec->second);
        if (auto rows = drives.back().rows(); rows && *rows < steps)
            throw Error("--input " + flag.name + "=" + flag.file->string() + ": " + std::to_string(*rows) +
                        " rows for a run of " + std::to_string(steps) + " steps (one row per step)");
    }
    return drives;
}

}  // namespace

std::int64_t steps_for(double duration_ms, double dt) {
    return static_cast<std::int64_t>(std::ceil(duration_ms / dt - 1e-9));
}

std::string format_summary(const RunSummary& s) {
    const double sim_ms = static_cast<double>(s.steps) * s.dt;
    const double sim_s = sim_ms / 1000.0;
    std::size_t name_width = std::string("population").size();
    for (const auto& p : s.populations) name_width = std::max(name_width, p.population.name.size());
    std::ostringstream o;
    o << std::left << std::setw(static_cast<int>(name_width)) << "population" << std::right << std::setw(10) << "neurons"
      << std::setw(12) << "spikes" << std::setw(16) << "mean rate [Hz]" << std::setw(14) << "wall time [s]"
      << std::setw(22) << "simulated s / wall s" << "\n";
    std::size_t units = 0;
    std::int64_t spikes = 0;
    auto rate = [&](std::int64_t n, std::size_t u) {
        return u > 0 && sim_s > 0 ? static_cast<double>(n) / (static_cast<double>(u) * sim_s) : 0.0;
    };
    o << std::fixed;
    for (const auto& p : s.populations) {
        o << std::left << std::setw(static_cast<int>(name_width)) << p.population.name << std::right << std::setw(10)
          << p.population.units << std::setw(12) << p.spikes << std::setw(16) << std::setprecision(3) << p.rate_hz
          << std::setw(14) << "-" << std::setw(22) << "-" << "\n";
        units += p.population.units;
        spikes += p.spikes;
    }
    o << std::left << std::setw(static_cast<int>(name_width)) << "total" << std::right << std::setw(10) << units
      << std::setw(12) << spikes << std::setw(16) << std::setprecision(3) << rate(spikes, units) << std::setw(14)
      << std::setprecision(3) << s.wall_seconds << std::setw(22) << std::setprecision(3)
      << (s.wall_seconds > 0 ? sim_s / s.wall_seconds : 0.0) << "\n";
    o << "simulated " << format_number(std::round(sim_ms * 1e6) / 1e6) << " ms: steps " << s.first_step << ".."
      << s.first_step + s.steps - 1 << " of dt = " << format_number(s.dt) << " ms"
      << (s.interrupted ? " (interrupted)" : "") << "\n";
    return o.str();
}

namespace {

// A directory that is removed with this object: where a process other than rank 0 records.
class ScratchDirectory {
public:
    explicit ScratchDirectory(int rank)
        : path_(std::filesystem::temp_directory_path() /
                ("spark-rank" + std::to_string(rank) + "-" + std::to_string(::getpid()))) {}
    ~ScratchDirectory() {
        std::error_code ec;
        std::filesystem::remove_all(path_, ec);
    }
    const std::filesystem::path& path() const noexcept { return path_; }

private:
    std::filesystem::path path_;
};

// The steps a run takes from the source's first step: --steps, or --duration (default 1 s) in steps of dt.
std::int64_t steps_to_run(const RunOptions& o, const Source& source) {
    const double dt = source.network.network.dt;
    const double duration = o.duration_ms.value_or(default_duration_ms);
    if (!o.steps && !(duration / dt < static_cast<double>(max_steps)))
        throw Error("--duration " + format_number(duration) + " ms is too long for dt = " + format_number(dt) +
                    " ms: more than " + std::to_string(max_steps) + " steps, the most a run can count");
    const std::int64_t steps = o.steps ? *o.steps : steps_for(duration, dt);
    if (steps > max_steps - source.start_step)
        throw Error((o.steps ? "--steps " + std::to_string(steps) : "--duration " + format_number(duration) + " ms") +
                    " from step " + std::to_string(source.start_step) + " would take the step counter past " +
                    std::to_string(max_steps) + ", the most a run can count");
    return steps;
}

ExecutorChoice executor_choice(const RunOptions& o) {
    if (o.executor != ExecutorChoice::automatic) return o.executor;
    return o.threads == 1 ? ExecutorChoice::sequential : ExecutorChoice::pool;
}

graph::BuildOptions build_options(const RunOptions& o, ExecutorChoice choice) {
    graph::BuildOptions build;
    build.executor = choice == ExecutorChoice::tbb    ? graph::ExecutorKind::tbb
                     : choice == ExecutorChoice::pool ? graph::ExecutorKind::pool
                                                      : graph::ExecutorKind::sequential;
    build.threads = o.threads;
    build.processes = o.processes;
    return build;
}

// Runs `steps` steps, each with its row of the drives applied before it and `after_step` called after
// it; returns the steps done (fewer only when *stop was raised between two steps).
template <class AfterStep>
std::int64_t step_network(graph::Simulation& sim, std::int64_t steps, const std::vector<InputDrive>& drives,
                          const volatile std::sig_atomic_t* stop, AfterStep&& after_step) {
    const auto apply_drives = [&](std::int64_t row) {
        for (const auto& d : drives) d.apply(sim.input(d.name()), row);
    };
    std::int64_t done = 0;
    if (stop) {  // step by step, to stop between two steps on Ctrl-C
        for (; done < steps && !*stop; ++done) {
            apply_drives(done);
            sim.step();
            after_step(done + 1);
        }
    } else if (steps > 0) {
        // One run (always over several processes): each step() would end an epoch, exchanging the
        // spikes that cross processes every step.
        apply_drives(0);
        sim.run(steps, [&](const graph::Simulation&) {
            ++done;
            after_step(done);
            if (done < steps) apply_drives(done);  // the next step's row
        });
    }
    return done;
}

// Each population's spike count and mean rate over the steps done, into the summary.
void add_population_rates(RunSummary& summary, const SpikeRecorder& spikes) {
    const double sim_s = static_cast<double>(summary.steps) * summary.dt / 1000.0;
    for (std::size_t p = 0; p < spikes.populations().size(); ++p) {
        const auto& pop = spikes.populations()[p];
        const double rate = pop.units > 0 && sim_s > 0
                                ? static_cast<double>(spikes.counts()[p]) / (static_cast<double>(pop.units) * sim_s)
                                : 0.0;
        summary.populations.push_back({pop, spikes.counts()[p], rate});
    }
}

// The network file's warnings, and a note for each network input no --input drives (it is held at 0).
void print_load_notes(std::ostream& err, const LoadedNetwork& net, const std::vector<InputDrive>& drives) {
    for (const auto& w : net.warnings) err << "warning: " << w << "\n";
    for (const auto& [name, spec] : net.input_specs) {
        const bool driven =
            std::any_of(drives.begin(), drives.end(), [&](const InputDrive& d) { return d.name() == name; });
        if (!driven)
            err << "note: network input '" << name << "' (" << spec.to_string()
                << ") is held at 0; drive it with --input " << name << "=const:V or =FILE\n";
    }
}

// The lines spark run prints after a run (rank 0): the network and executor, the summary table, the
// spike exchange over several processes and the files written.
void print_report(std::ostream& out, const RunOptions& o, const LoadedNetwork& net, ExecutorChoice choice,
                  const RunSummary& summary, const std::vector<std::unique_ptr<TraceRecorder>>& recorders,
                  const std::filesystem::path& plot_file) {
    out << "network: " << net.source << " (seed " << net.network.seed << ", "
        << (o.processes ? std::to_string(o.processes->size()) + " processes, " : std::string())
        << (choice == ExecutorChoice::sequential
                ? std::string("sequential executor")
                : std::string(choice == ExecutorChoice::tbb ? "tbb" : "pool") + " executor, " +
                      (o.threads == 0 ? std::string("all") : std::to_string(o.threads)) + " threads")
        << ")\n";
    out << format_summary(summary);
    if (o.processes)  // rank 0's (a --record trace of a property gathers it every step)
        out << "spike exchange: epoch " << o.processes->epoch_steps() << " steps, "
            << o.processes->spike_exchanges() << " exchanges, " << o.processes->spike_exchange_seconds()
            << " s in them\n";
    out << "wrote " << (o.out_dir / "spikes.csv").string();
    for (const auto& r : recorders)
        out << ", " << (o.out_dir / (r->target().label + ".csv")).string() << ", "
            << (o.out_dir / (r->target().label + ".npy")).string();
    if (!plot_file.empty()) out << ", " << plot_file.string();
    if (o.snapshot_out) out << ", " << o.snapshot_out->string();
    out << "\n";
}

// The options as this process runs them: over several processes only rank 0 speaks and writes the files
// the user asked for (the others write into `scratch`), and Ctrl-C ends the whole run under mpirun
// instead of each process stopping after its own step. Checks the run length.
RunOptions options_of_this_process(const RunOptions& options, std::optional<ScratchDirectory>& scratch) {
    RunOptions o = options;
    if (options.processes && options.processes->rank() != 0) {
        scratch.emplace(options.processes->rank());
        o.out_dir = scratch->path();
        o.quiet = true;
        o.plot = PlotFormat::none;
    }
    if (o.processes) o.stop = nullptr;
    if (o.duration_ms && !(*o.duration_ms > 0))
        throw Error("--duration " + format_number(*o.duration_ms) + " ms must be > 0");
    if (o.steps && *o.steps <= 0) throw Error("--steps " + std::to_string(*o.steps) + " must be > 0");
    return o;
}

// The traces --record asks for, each once.
std::vector<TraceTarget> resolve_traces(graph::Simulation& sim, const LoadedNetwork& net, const Registry& registry,
                                        const std::vector<std::string>& record) {
    std::vector<TraceTarget> traces;
    for (const auto& r : record) {
        const bool seen = std::any_of(traces.begin(), traces.end(), [&](const TraceTarget& t) { return t.label == r; });
        if (!seen) traces.push_back(resolve_trace(sim, net.network, net.templates, registry, r));
    }
    return traces;
}

void create_output_directory(const std::filesystem::path& dir) {
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    if (ec || !std::filesystem::is_directory(dir))
        throw Error("cannot create the output directory '" + dir.string() + "': " + ec.message());
}

}  // namespace

int run_network(const RunOptions& options, std::ostream& out, std::ostream& err, RunSummary* summary_out) {
    const bool root = !options.processes || options.processes->rank() == 0;
    std::optional<ScratchDirectory> scratch;
    const RunOptions o = options_of_this_process(options, scratch);

    Source source = resolve_source(o);
    LoadedNetwork& net = source.network;
    const double dt = net.network.dt;
    const std::int64_t steps = steps_to_run(o, source);
    const ExecutorChoice choice = executor_choice(o);
    graph::Simulation sim = build_network(net, build_options(o, choice));
    if (o.snapshot_in) {
        load_snapshot(sim, *o.snapshot_in);
        if (sim.step_count() != source.start_step)
            throw InternalError("snapshot step counter not restored");
    }

    const std::vector<InputDrive> drives = make_drives(o.drives, sim, steps);

    const Registry& registry = components::builtin_registry();
    std::vector<TraceTarget> traces = resolve_traces(sim, net, registry, o.record);
    create_output_directory(o.out_dir);

    if (!o.quiet) print_load_notes(err, net, drives);

    // Over several processes each records its own units' spikes, merged on rank 0 (no exchange per step).
    SpikeRecorder spikes(find_populations(sim, registry), o.out_dir / "spikes.csv", true, o.processes.get());
    if (o.plot != PlotFormat::none) spikes.keep_spikes();
    std::vector<std::unique_ptr<TraceRecorder>> recorders;
    for (auto& t : traces) recorders.push_back(std::make_unique<TraceRecorder>(t, o.out_dir, true, o.processes.get()));

    RunSummary summary;
    summary.first_step = sim.step_count();
    summary.dt = dt;
    ProgressBar bar(err, steps, dt, !o.quiet && ::isatty(STDERR_FILENO) && steps >= 1000);
    const auto start = Clock::now();
    const std::int64_t done = step_network(sim, steps, drives, o.stop, [&](std::int64_t steps_done) {
        spikes.record(sim);
        for (auto& r : recorders) r->record(sim);
        bar.update(steps_done);
    });
    summary.wall_seconds = std::chrono::duration<double>(Clock::now() - start).count();
    summary.steps = done;
    summary.interrupted = done < steps;
    bar.finish();
    if (summary.interrupted && !o.quiet)
        err << "interrupted: stopped after step " << sim.step_count() - 1 << "; writing what was recorded\n";

    spikes.close();
    for (auto& r : recorders) r->close();
    add_population_rates(summary, spikes);

    const double t0 = static_cast<double>(summary.first_step) * dt;
    const auto plot = plot_raster(spikes.spikes(), spikes.populations(), dt, t0,
                                  t0 + static_cast<double>(std::max<std::int64_t>(done, 1)) * dt, o.out_dir, o.plot);
    if (!plot.note.empty() && !o.quiet) err << "note: " << plot.note << "\n";
    if (o.snapshot_out) {
        sim.gather_state_to(0);  // every process sends its share; rank 0 alone holds the whole state
        if (root) save_snapshot(sim, *o.snapshot_out);
    }

    if (!o.quiet) print_report(out, o, net, choice, summary, recorders, plot.file);
    if (summary_out) *summary_out = summary;
    return summary.interrupted ? exit_interrupted : exit_ok;
}

}  // namespace spark::tools
