#include <spark/tools/cli.hpp>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <limits>
#include <cstring>
#include <fstream>
#include <map>
#include <ostream>
#include <sstream>

#include <CLI/CLI.hpp>

#include <spark/components/builtin.hpp>
#include <spark/core/error.hpp>
#include <spark/core/file_io.hpp>
#include <spark/core/text.hpp>
#include <spark/core/version.hpp>
#include <spark/tools/inputs.hpp>
#include <spark/tools/network_io.hpp>
#include <spark/tools/run.hpp>
#ifdef SPARK_TOOLS_WITH_MPI
#include <chrono>
#include <optional>
#include <thread>

#include <spark/mpi/mpi.hpp>
#endif

namespace spark::tools {

namespace {

// Left-aligned columns, two spaces apart; the last column is not padded.
std::string table(const std::vector<std::vector<std::string>>& rows, const std::string& indent) {
    std::vector<std::size_t> width;
    for (const auto& r : rows)
        for (std::size_t c = 0; c < r.size(); ++c) {
            if (width.size() <= c) width.push_back(0);
            width[c] = std::max(width[c], r[c].size());
        }
    std::string out;
    for (const auto& r : rows) {
        std::string line = indent;
        for (std::size_t c = 0; c < r.size(); ++c) {
            line += r[c];
            if (c + 1 < r.size()) line += std::string(width[c] - r[c].size() + 2, ' ');
        }
        while (!line.empty() && line.back() == ' ') line.pop_back();
        out += line + "\n";
    }
    return out;
}

std::string ports_text(const char* title, std::span<const PortDecl> ports, bool inputs) {
    if (ports.empty()) return "";
    std::vector<std::vector<std::string>> rows;
    for (const auto& p : ports) {
        std::string kind = p.kind == any_payload ? "any payload" : std::string(to_string(p.kind));
        std::string notes;
        if (inputs && p.optional) notes = "(optional) ";
        if (!inputs && p.settable) notes = "(settable) ";
        rows.push_back({std::string(p.name), kind, notes + std::string(p.description)});
    }
    return std::string("  ") + title + ":\n" + table(rows, "    ");
}

std::string component_text(const ComponentInfo& c) {
    std::string out = c.name + " (" + c.class_name + ", " + c.category + ")\n";
    if (!c.description.empty()) out += "  " + c.description + "\n";
    out += ports_text("inputs", c.inputs, true);
    out += ports_text("outputs", c.outputs, false);
    out += ports_text("properties", c.properties, false);
    if (!c.fields.empty()) {
        std::vector<std::vector<std::string>> rows{{"name", "type", "default", "units", "bounds", "description"}};
        for (const auto& f : c.fields)
            rows.push_back({f.name, f.type, f.required ? "(required)" : f.default_value.to_string(),
                            f.units.empty() ? "-" : f.units, std::string(bound_text(f.bound).empty() ? "-" : bound_text(f.bound)),
                            f.description});
        out += "  parameters:\n" + table(rows, "    ");
    }
    return out;
}

std::string template_text(const graph::NeuronTemplate& t) {
    std::string out = t.name + " (neuron template)\n";
    if (!t.description.empty()) out += "  " + t.description + "\n";
    std::vector<std::vector<std::string>> rows;
    for (const auto& in : t.body.inputs) rows.push_back({in.name, "-> " + in.to.to_string()});
    if (!rows.empty()) out += "  inputs:\n" + table(rows, "    ");
    rows.clear();
    for (const auto& o : t.body.outputs) rows.push_back({o.name, "<- " + o.from.to_string()});
    if (!rows.empty()) out += "  outputs:\n" + table(rows, "    ");
    rows = {{"name", "default"}};
    for (const auto& [name, value] : t.parameters)
        rows.push_back({name, value.is_null() ? "(required)" : value.to_string()});
    out += "  parameters (each set on every inner node that has the field):\n" + table(rows, "    ");
    rows.clear();
    for (const auto& n : t.body.nodes) rows.push_back({n.name, n.type});
    out += "  inner nodes (override their fields as <node>.<field>, swap their type with <node>.type):\n" +
           table(rows, "    ");
    return out;
}

void require_readable(const std::string& what, const std::filesystem::path& path) {
    if (path.empty()) throw Error("cannot read " + what + " '': empty file name");
    std::error_code ec;
    if (std::filesystem::is_directory(path, ec)) throw Error("cannot read " + what + " '" + path.string() + "': it is a directory");
    std::ifstream f(path);
    if (!f) throw Error("cannot read " + what + " '" + path.string() + "': " + std::strerror(errno));
}

// Whole numbers of the command line are parsed here rather than by CLI11, which wraps "-1" into an
// unsigned option and clamps a number past the type's range to its largest value.
template <class Int>
std::from_chars_result parse_whole(const std::string& text, Int& value) {
    auto r = std::from_chars(text.data(), text.data() + text.size(), value);
    if (r.ec == std::errc() && r.ptr != text.data() + text.size()) r.ec = std::errc::invalid_argument;
    return r;
}

CLI::Validator seed_number() {
    return CLI::Validator(
        [](std::string& text) -> std::string {
            std::uint64_t seed = 0;
            if (parse_whole(text, seed).ec == std::errc()) return {};
            return "'" + text + "' is not a seed: expected a whole number from 0 to " +
                   std::to_string(std::numeric_limits<std::uint64_t>::max());
        },
        "SEED");
}

CLI::Validator step_count() {
    return CLI::Validator(
        [](std::string& text) -> std::string {
            std::int64_t steps = 0;
            const auto r = parse_whole(text, steps);
            if (r.ec == std::errc()) return {};
            if (r.ec == std::errc::result_out_of_range && !text.empty() && text[0] != '-')
                return "'" + text + "' is more steps than the step counter can count (at most " +
                       std::to_string(max_steps) + ")";
            return "'" + text + "' is not a step count: expected a whole number";
        },
        "STEPS");
}

// --input and --templates, shared by run, check, dot and import.
struct ModelFlags {
    std::vector<std::string> inputs, templates;
    std::optional<double> dt_ms;
    std::string time_unit = "s";
};

void add_model_flags(CLI::App* sub, ModelFlags& flags, bool drives) {
    sub->add_option("--input", flags.inputs,
                    drives ? "NAME=KIND:SHAPE gives the spec of an input the file lacks (KIND float, current, potential, "
                             "spikes or integer; SHAPE 4 or 2x3; NAME '*' = every other input), NAME=const:V drives it "
                             "with V every step, NAME=FILE from a .npy [steps, width] or .csv (one row per step). "
                             "Repeatable."
                           : "NAME=KIND:SHAPE: the spec of an input the file lacks (KIND float, current, potential, spikes "
                             "or integer; SHAPE 4 or 2x3; NAME '*' = every other input). Repeatable.");
    sub->add_option("--templates", flags.templates,
                    "A file whose neuron templates the network may use (a Spark neuron .scfg or a network file). "
                    "Repeatable.");
    sub->add_option("--dt", flags.dt_ms, "Time step [ms] of a network imported from NIR (default 1 ms).")
        ->check(CLI::PositiveNumber);
    sub->add_option("--nir-time-unit", flags.time_unit, "Time unit of a NIR file's time constants: s (default) or ms.")
        ->check(CLI::IsMember({"s", "ms"}));
}

// The specs and template files of the flags; drives (const:, FILE) go to `drives`, refused without it.
ModelOptions model_options(const ModelFlags& flags, const std::string& command, std::vector<InputFlag>* drives) {
    ModelOptions options;
    for (const auto& text : flags.inputs) {
        InputFlag flag = parse_input_flag(text);
        if (flag.spec) {
            options.input_specs[flag.name] = *flag.spec;
        } else if (drives) {
            drives->push_back(std::move(flag));
        } else {
            throw Error("--input " + text + ": " + command + " takes NAME=KIND:SHAPE only (const:V and files drive "
                                                             "a run)");
        }
    }
    for (const auto& t : flags.templates) {
        require_readable("template file", t);
        options.template_files.emplace_back(t);
    }
    options.dt_ms = flags.dt_ms;
    options.nir_time_unit_ms = flags.time_unit == "ms" ? 1.0 : 1000.0;
    return options;
}

void print_warnings(std::ostream& err, const std::vector<std::string>& warnings) {
    for (const auto& w : warnings) err << "warning: " << w << "\n";
}

// `spark import`: the network file to `out_path` (or `out`), the warnings to `err`.
int import_model(const std::string& path, const std::string& out_path, const ModelOptions& options, std::ostream& out,
                 std::ostream& err) {
    std::vector<std::string> warnings;
    const std::string text = import_model_text(path, options, warnings);
    print_warnings(err, warnings);
    if (out_path.empty()) {
        out << text;
        return exit_ok;
    }
    OutputFile file(out_path);
    file.write(text);
    file.close();
    err << "wrote " << out_path << " (" << warnings.size() << " warning" << (warnings.size() == 1 ? "" : "s") << ")\n";
    return exit_ok;
}

}  // namespace

std::string list_text(const Registry& registry, const graph::TemplateRegistry& templates, const std::string& type) {
    std::vector<const ComponentInfo*> comps;
    std::vector<const graph::NeuronTemplate*> temps;
    if (type.empty()) {
        for (const auto& c : registry.entries()) comps.push_back(&c);
        for (const auto& t : templates.entries()) temps.push_back(&t);
    } else if (const ComponentInfo* info = registry.find(type)) {
        comps.push_back(info);
    } else if (const graph::NeuronTemplate* found = templates.find(type)) {
        temps.push_back(found);
    } else {
        for (const auto& c : registry.entries())
            if (c.category == type) comps.push_back(&c);
        if (type == "neuron" || type == "neurons" || type == "template" || type == "templates")
            for (const auto& t : templates.entries()) temps.push_back(&t);
        if (comps.empty() && temps.empty()) {
            auto names = registry.names();
            for (const auto& n : templates.names()) names.push_back(n);
            throw GraphError("no component or neuron template named '" + type + "' (did you mean " +
                             join(closest_names(normalize_name(type), names)) + "?)");
        }
    }
    std::string out;
    for (const auto* c : comps) out += component_text(*c) + "\n";
    for (const auto* t : temps) out += template_text(*t) + "\n";
    return out;
}

std::string check_text(const graph::Simulation& sim) {
    std::map<std::pair<std::string_view, std::string_view>, std::vector<const graph::WireInfo*>> into;
    for (const auto& w : sim.wires()) into[{w.to_node, w.to_port}].push_back(&w);
    std::string out;
    for (const auto& node : sim.nodes()) {
        out += node.path + " (" + node.type + ")\n";
        std::vector<std::vector<std::string>> rows;
        for (const auto& p : node.inputs) {
            std::string from;
            for (const graph::WireInfo* wire : into[{node.path, p.name}]) {
                const graph::WireInfo& w = *wire;
                from += from.empty() ? "<- " : ", ";
                from += w.from_node.empty() ? "input '" + w.from_port + "'" : w.from_node + "." + w.from_port;
                if (!w.from_node.empty() && !w.property && w.latency == graph::Latency::previous_step)
                    from += " (previous step)";
            }
            rows.push_back({"input", p.name, p.wired ? p.spec.to_string() : "-", p.wired ? from : "(unwired)"});
        }
        for (const auto& p : node.outputs) rows.push_back({"output", p.name, p.spec.to_string()});
        for (const auto& p : node.properties) rows.push_back({"property", p.name, p.spec.to_string()});
        out += table(rows, "  ");
    }
    return out;
}

namespace {

// Writes the message of a failed command (`error` holds a std::exception); returns exit_error.
int report_error(std::exception_ptr error, const std::string& command, std::ostream& err) {
    try {
        std::rethrow_exception(error);
    } catch (const graph::GraphBuildError& e) {
        const auto& diagnostics = e.diagnostics();
        err << command << ": " << diagnostics.size() << (diagnostics.size() == 1 ? " error" : " errors")
            << " in the network:\n";
        for (const auto& d : diagnostics) err << "error: " << d.message << " [" << graph::to_string(d.code) << "]\n";
    } catch (const Error& e) {
        err << command << ": error: " << e.what() << "\n";
    } catch (const std::exception& e) {
        err << command << ": internal error: " << e.what() << "\n";
    }
    return exit_error;
}

#ifdef SPARK_TOOLS_WITH_MPI
// `spark run` under mpirun: one run over every launched process. A process that fails stops them all
// (MPI_Abort) after writing its message, prefixed with its rank. An error every process meets alike (a
// bad network file) is written once: the others wait a moment before writing, and rank 0's abort ends
// them first.
int run_on_processes(RunOptions options, std::ostream& out, std::ostream& err) {
    static std::optional<mpi::Session> session;  // MPI_Finalize at exit
    if (!session) session.emplace();
    if (session->size() > 1) options.processes = session->world();
    try {
        return run_network(options, out, err);
    } catch (const std::exception&) {
        if (session->size() == 1) throw;
        std::ostringstream message;
        report_error(std::current_exception(), "spark run (rank " + std::to_string(session->rank()) + " of " +
                                                   std::to_string(session->size()) + ")",
                     message);
        if (session->rank() != 0) std::this_thread::sleep_for(std::chrono::seconds(2));
        err << message.str() << "spark run: stopping every process\n" << std::flush;
        session->abort(exit_error);
    }
}
#endif

}  // namespace

namespace {

// `spark run`'s command line as given (checked and turned into RunOptions by run_options()).
struct RunArgs {
    RunOptions options;  // the fields CLI11 fills directly: threads, record, quiet
    std::string network_file, snapshot_in, snapshot_out, executor = "auto", plot = "auto", out_dir = "spark-out";
    double duration_ms = 0;
    std::string steps_text, seed_text;
    ModelFlags model;
    CLI::Option *network_given = nullptr, *duration_given = nullptr, *steps_given = nullptr, *seed_given = nullptr,
                *snapshot_in_given = nullptr, *snapshot_out_given = nullptr;
};

CLI::App* add_run_command(CLI::App& app, RunArgs& a) {
    auto* run = app.add_subcommand("run", "Run a network file (or the bundled default network) and record it.");
    a.network_given = run->add_option(
        "NETWORK_FILE", a.network_file,
        "Network file (protobuf text format), Spark .scfg brain or NIR graph (detected by "
        "content). Without it: the bundled default network (or, with --snapshot-in, the snapshot's network).");
    a.duration_given = run->add_option("--duration", a.duration_ms,
                                       "Simulated time [ms] (further, when resuming a snapshot). Default 1000.");
    a.steps_given = run->add_option("--steps", a.steps_text, "Number of steps to run (instead of --duration).")
                        ->check(step_count());
    a.duration_given->excludes(a.steps_given);
    a.seed_given =
        run->add_option("--seed", a.seed_text, "Network seed (overrides the file's; default: the file's, or 0).")
            ->check(seed_number());
    run->add_option("--threads", a.options.threads, "Threads of the pool or tbb executor (0 = all cores). Default 1.")
        ->check(CLI::NonNegativeNumber);
    run->add_option("--executor", a.executor,
                    "sequential, pool (loops split over spinning threads; large nodes that do not split run side by "
                    "side) or tbb (oneTBB flow graph: independent nodes at once). Default: sequential for 1 thread, "
                    "pool otherwise.")
        ->check(CLI::IsMember({"auto", "sequential", "pool", "tbb"}));
    run->add_option("--record", a.options.record,
                    "Record NODE.PORT (any output or property; NODE may be a neuron, e.g. exc.out_spikes, or an "
                    "inner node, e.g. exc.soma.potential) into <out>/NODE.PORT.csv and .npy. Repeatable; several "
                    "values per flag or comma-separated.")
        ->delimiter(',');
    run->add_option("--out", a.out_dir, "Output directory (created). Default spark-out.");
    a.snapshot_in_given = run->add_option("--snapshot-in", a.snapshot_in,
                                          "Resume from this snapshot: the network comes from it (a NETWORK_FILE given "
                                          "too must match), the step counter continues.");
    a.snapshot_out_given =
        run->add_option("--snapshot-out", a.snapshot_out, "Save a snapshot at the end (also after Ctrl-C).");
    run->add_option("--plot", a.plot, "Raster plot: auto (raster.png), svg (raster.svg), or none. Default auto.")
        ->check(CLI::IsMember({"auto", "svg", "none"}));
    run->add_flag("-q,--quiet", a.options.quiet, "No progress bar, notes or summary.");
    add_model_flags(run, a.model, true);
    return run;
}

// The options of a parsed `spark run`; throws Error for a combination or value the parser cannot refuse.
RunOptions run_options(RunArgs& a, const volatile std::sig_atomic_t* stop) {
    RunOptions ro = std::move(a.options);
    if (*a.network_given) {
        require_readable("network file", a.network_file);
        ro.network_file = a.network_file;
    }
    if (*a.duration_given) ro.duration_ms = a.duration_ms;
    if (*a.steps_given) parse_whole(a.steps_text, ro.steps.emplace());
    if (*a.seed_given) parse_whole(a.seed_text, ro.seed.emplace());
    ro.executor = a.executor == "sequential" ? ExecutorChoice::sequential
                  : a.executor == "tbb"      ? ExecutorChoice::tbb
                  : a.executor == "pool"     ? ExecutorChoice::pool
                                             : ExecutorChoice::automatic;
    if (ro.executor == ExecutorChoice::sequential && ro.threads != 1)
        throw Error("--threads " + std::to_string(ro.threads) + " needs a parallel executor (--executor pool or tbb)");
    if (a.out_dir.empty()) throw Error("--out '': empty directory name");
    ro.out_dir = a.out_dir;
    if (*a.snapshot_in_given) {
        require_readable("snapshot", a.snapshot_in);
        ro.snapshot_in = a.snapshot_in;
    }
    if (*a.snapshot_out_given) {
        if (a.snapshot_out.empty()) throw Error("--snapshot-out '': empty file name");
        ro.snapshot_out = a.snapshot_out;
    }
    ro.plot = a.plot == "svg" ? PlotFormat::svg : a.plot == "none" ? PlotFormat::none : PlotFormat::automatic;
    ro.stop = stop;
    ro.model = model_options(a.model, "spark run", &ro.drives);
    return ro;
}

int run_command(const RunOptions& ro, std::ostream& out, std::ostream& err) {
#ifdef SPARK_TOOLS_WITH_MPI
    if (mpi::launched()) return run_on_processes(ro, out, err);
#endif
    return run_network(ro, out, err);
}

// A command that reads one model file: check, dot, import, export.
struct FileArgs {
    std::string file;
    ModelFlags model;
};

int check_command(const FileArgs& a, bool plan, std::ostream& out, std::ostream& err) {
    require_readable("network file", a.file);
    LoadedNetwork net = load_network_file(a.file, model_options(a.model, "spark check", nullptr));
    print_warnings(err, net.warnings);
    auto sim = build_network(net, {});
    out << check_text(sim);
    if (plan) out << sim.plan_text();
    auto count = [](std::size_t n, const char* what) { return std::to_string(n) + " " + what + (n == 1 ? "" : "s"); };
    out << a.file << ": ok (" << count(sim.nodes().size(), "node") << ", " << count(sim.wires().size(), "wire")
        << ", dt = " << format_number(net.network.dt) << " ms, seed " << net.network.seed << ")\n";
    return exit_ok;
}

int dot_command(const FileArgs& a, std::ostream& out, std::ostream& err) {
    require_readable("network file", a.file);
    LoadedNetwork net = load_network_file(a.file, model_options(a.model, "spark dot", nullptr));
    print_warnings(err, net.warnings);
    out << build_network(net, {}).to_dot();
    return exit_ok;
}

// Writes the usage error for a first argument that names no subcommand (CLI11 would take it for a
// positional argument of none); false when it names one.
bool refuse_unknown_subcommand(CLI::App& app, int argc, const char* const* argv, std::ostream& err) {
    if (argc <= 1 || argv[1][0] == '-') return false;
    const std::string sub = argv[1];
    std::vector<std::string> names;
    for (const auto* s : app.get_subcommands({})) names.push_back(s->get_name());
    if (std::find(names.begin(), names.end(), sub) != names.end()) return false;
    err << "spark: unknown subcommand '" << sub << "' (expected " << join(names, ", ")
        << ")\nRun with --help for more information.\n";
    return true;
}

}  // namespace

int run_cli(int argc, const char* const* argv, std::ostream& out, std::ostream& err,
            const volatile std::sig_atomic_t* stop) {
    CLI::App app{"spark: run, check and inspect spiking neural networks", "spark"};
    app.require_subcommand(1);
    app.set_version_flag("--version", "spark " + std::string(version()));
    app.footer("Exit codes: 0 success, 1 error in the network, a file or the run, 2 bad command line, "
               "130 interrupted (SIGINT).");

    RunArgs run_args;
    auto* run = add_run_command(app, run_args);

    FileArgs check_args, dot_args, import_args;
    bool check_plan = false;
    auto* check = app.add_subcommand("check", "Build a network file without running it: print every node with its "
                                              "input/output specs, or every error.");
    check->add_option("NETWORK_FILE", check_args.file, "Network file, Spark .scfg brain or NIR graph.")->required();
    check->add_flag("--plan", check_plan, "Also print the step plan the executors run.");
    add_model_flags(check, check_args.model, false);

    std::string list_type;
    auto* list = app.add_subcommand("list", "List the registered components and neuron templates with their ports "
                                            "and parameters (default, units, bounds, description).");
    list->add_option("TYPE", list_type, "Only this component or template (or category: soma, synapses, ...).");

    auto* dot = app.add_subcommand("dot", "Print the built network as a Graphviz graph.");
    dot->add_option("NETWORK_FILE", dot_args.file, "Network file (protobuf text format).")->required();
    add_model_flags(dot, dot_args.model, false);

    std::string import_out;
    auto* import = app.add_subcommand("import", "Translate a model file (a Spark .scfg brain or neuron) into a "
                                                "network file; what spark does differently is printed as warnings.");
    import->add_option("MODEL_FILE", import_args.file, "Model file (Spark .scfg, detected by content).")->required();
    import->add_option("-o,--out", import_out, "Write the network file here (default: standard output).");
    add_model_flags(import, import_args.model, false);

    std::string export_file, export_out, export_time_unit = "s";
    auto* export_cmd = app.add_subcommand("export", "Write a network file as a NIR file.");
    export_cmd->add_option("NETWORK_FILE", export_file, "Network file.")->required();
    export_cmd->add_option("-o,--out", export_out, "NIR file to write (.nir).")->required();
    export_cmd->add_option("--nir-time-unit", export_time_unit,
                           "Time unit of the NIR file's time constants: s (default) or ms.")
        ->check(CLI::IsMember({"s", "ms"}));

    if (refuse_unknown_subcommand(app, argc, argv, err)) return exit_usage;
    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        const int code = app.exit(e, out, err);
        return code == 0 ? exit_ok : exit_usage;
    }

    std::string command = "spark";
    try {
        if (run->parsed()) {
            command = "spark run";
            return run_command(run_options(run_args, stop), out, err);
        }
        if (check->parsed()) {
            command = "spark check";
            return check_command(check_args, check_plan, out, err);
        }
        if (list->parsed()) {
            command = "spark list";
            out << list_text(components::builtin_registry(), graph::builtin_templates(), list_type);
            return exit_ok;
        }
        if (dot->parsed()) {
            command = "spark dot";
            return dot_command(dot_args, out, err);
        }
        if (import->parsed()) {
            command = "spark import";
            require_readable("model file", import_args.file);
            return import_model(import_args.file, import_out,
                                model_options(import_args.model, command, nullptr), out, err);
        }
        if (export_cmd->parsed()) {
            command = "spark export";
            require_readable("network file", export_file);
            export_nir(load_network_file(export_file), export_out, export_time_unit == "ms" ? 1.0 : 1000.0);
            out << "wrote " << export_out << "\n";
            return exit_ok;
        }
    } catch (const std::exception&) {
        return report_error(std::current_exception(), command, err);
    }
    return exit_usage;
}

}  // namespace spark::tools
