// Which reader a model file goes to: decided from its first bytes.
#include <spark/serialization/model_file.hpp>

#include <spark/core/file_io.hpp>
#include <spark/serialization/nir.hpp>
#include <spark/serialization/scfg.hpp>

#include "xz.hpp"

namespace spark::serialization {

namespace {

constexpr std::string_view hdf5_signature{"\x89HDF\r\n\x1a\n", 8};

std::string read_model_bytes(const std::filesystem::path& path) {
    try {
        return read_whole_file(path, "model file");
    } catch (const FileError& e) {
        throw NetworkFileError(path.string(), 0, 0, "cannot read the network file: " + e.reason());
    }
}

}  // namespace

ModelFormat detect_model_format(std::string_view first_bytes) {
    if (first_bytes.starts_with(detail::xz_magic)) return ModelFormat::spark_scfg;
    if (first_bytes.starts_with(hdf5_signature)) return ModelFormat::nir;
    // Plain JSON: a Spark configuration starts with '{' (or '"' for the 0.1 prototype) and has "__type__".
    const auto first = first_bytes.find_first_not_of(" \t\r\n");
    if (first != std::string_view::npos && (first_bytes[first] == '{' || first_bytes[first] == '"') &&
        (first_bytes.find("__type__") != std::string_view::npos ||
         first_bytes.find("__version__") != std::string_view::npos))
        return ModelFormat::spark_scfg;
    return ModelFormat::network_text;
}

NetworkFile load_model_file(const std::filesystem::path& path, const ImportOptions& options) {
    const std::string data = read_model_bytes(path);
    switch (detect_model_format(std::string_view(data).substr(0, 4096))) {
        case ModelFormat::spark_scfg: return import_scfg(data, path.string(), options);
        case ModelFormat::nir: return load_nir_file(path, options);
        case ModelFormat::network_text: break;
    }
    NetworkFile file = parse_network_text(data, path.string());
    for (const auto& t : options.templates)
        if (!file.templates.find(t.name)) file.templates.add(t);
    for (const auto& [name, spec] : options.input_specs)
        if (name != "*") file.input_specs.try_emplace(name, spec);
    return file;
}

}  // namespace spark::serialization
