#include <spark/tools/network_io.hpp>

#include <spark/core/error.hpp>

#include <spark/serialization/model_file.hpp>
#include <spark/serialization/network_file.hpp>
#include <spark/serialization/nir.hpp>
#include <spark/serialization/snapshot.hpp>

namespace spark::tools {

namespace {
// The options of the serialization library: --templates files read into templates.
serialization::ImportOptions import_options(const ModelOptions& options) {
    serialization::ImportOptions o;
    o.input_specs = options.input_specs;
    o.dt = options.dt_ms;
    o.nir_time_unit_ms = options.nir_time_unit_ms;
    for (const auto& path : options.template_files) {
        auto file = serialization::load_model_file(path);
        if (file.own_templates.empty())
            throw Error("--templates " + path.string() + ": the file defines no neuron template");
        for (auto& t : file.own_templates) o.templates.push_back(std::move(t));
    }
    return o;
}

}  // namespace

LoadedNetwork load_network_file(const std::filesystem::path& path, const ModelOptions& options) {
    auto file =
        std::make_shared<serialization::NetworkFile>(serialization::load_model_file(path, import_options(options)));
    if (file->network.nodes.empty() && !file->own_templates.empty())
        throw Error(path.string() + ": defines the neuron type '" + file->own_templates.front().name +
                    "' but no network (a Spark neuron file?); give it to a network with --templates " +
                    path.string() + ", or write it out with spark import");
    LoadedNetwork n{file->network, file->input_specs, file->templates, path.string(), nullptr, file->warnings};
    n.file = std::move(file);
    return n;
}

std::string import_model_text(const std::filesystem::path& path, const ModelOptions& options,
                              std::vector<std::string>& warnings) {
    const auto file = serialization::load_model_file(path, import_options(options));
    warnings = file.warnings;
    return serialization::to_network_text(file);
}

graph::Simulation build_network(const LoadedNetwork& network, graph::BuildOptions options) {
    if (network.file) {
        // The file's network may have been changed since it was read (--seed): build a copy.
        serialization::NetworkFile file = *network.file;
        file.network = network.network;
        return serialization::build_simulation(file, options);
    }
    options.templates = &network.templates;
    return graph::Simulation::build(network.network, network.input_specs, options);
}

void export_nir(const LoadedNetwork& network, const std::filesystem::path& path, double time_unit_ms) {
    serialization::save_nir_file(network.network, network.input_specs, path, time_unit_ms);
}

bool same_description(const LoadedNetwork& a, const LoadedNetwork& b) {
    return a.network == b.network && a.input_specs == b.input_specs &&
           serialization::user_templates(a.templates) == serialization::user_templates(b.templates);
}

SnapshotInfo read_snapshot_info(const std::filesystem::path& path) {
    auto header = serialization::read_snapshot_header(path);
    SnapshotInfo info;
    info.network.network = std::move(header.network);
    info.network.input_specs = std::move(header.input_specs);
    info.network.templates = serialization::templates_with_builtins(header.templates);
    info.network.source = "snapshot " + path.string();
    info.step = header.step;
    return info;
}

void load_snapshot(graph::Simulation& simulation, const std::filesystem::path& path) {
    serialization::load_snapshot(simulation, path);
}

void save_snapshot(graph::Simulation& simulation, const std::filesystem::path& path) {
    serialization::save_snapshot(simulation, path);
}

}  // namespace spark::tools
