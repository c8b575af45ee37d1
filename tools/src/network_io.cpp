#include <spark/tools/network_io.hpp>

#include <spark/core/error.hpp>

#ifdef SPARK_TOOLS_WITH_SERIALIZATION
#include <spark/serialization/model_file.hpp>
#include <spark/serialization/network_file.hpp>
#include <spark/serialization/nir.hpp>
#include <spark/serialization/snapshot.hpp>
#endif

namespace spark::tools {

#ifdef SPARK_TOOLS_WITH_SERIALIZATION

bool network_files_available() noexcept { return true; }

LoadedNetwork load_network_file(const std::filesystem::path& path, const ImportSettings& settings) {
    serialization::ImportOptions options;
    options.dt = settings.dt_ms;
    options.nir_time_unit_ms = settings.nir_time_unit_ms;
    auto file = std::make_shared<serialization::NetworkFile>(serialization::load_model_file(path, options));
    LoadedNetwork n{file->network, file->input_specs, file->templates, path.string(), nullptr, file->warnings};
    n.file = std::move(file);
    return n;
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

std::string network_text(const LoadedNetwork& network) {
    return serialization::to_network_text(network.network, network.input_specs,
                                          serialization::user_templates(network.templates));
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

#else  // built without the serialization library

namespace {
[[noreturn]] void unavailable(const std::string& what) {
    throw Error(what + ": network files and snapshots are not available in this build of spark "
                       "(it was built without the serialization library)");
}
}  // namespace

bool network_files_available() noexcept { return false; }
graph::Simulation build_network(const LoadedNetwork& network, graph::BuildOptions options) {
    options.templates = &network.templates;
    return graph::Simulation::build(network.network, network.input_specs, options);
}
LoadedNetwork load_network_file(const std::filesystem::path& path, const ImportSettings&) { unavailable("cannot read '" + path.string() + "'"); }
void export_nir(const LoadedNetwork& network, const std::filesystem::path&, double) {
    unavailable("cannot write " + network.source);
}
std::string network_text(const LoadedNetwork& network) { unavailable("cannot write " + network.source); }
SnapshotInfo read_snapshot_info(const std::filesystem::path& path) { unavailable("cannot read '" + path.string() + "'"); }
void load_snapshot(graph::Simulation&, const std::filesystem::path& path) {
    unavailable("cannot load '" + path.string() + "'");
}
void save_snapshot(graph::Simulation&, const std::filesystem::path& path) {
    unavailable("cannot save '" + path.string() + "'");
}

#endif

}  // namespace spark::tools
