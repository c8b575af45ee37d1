#include <spark/serialization/model_file.hpp>

#include <algorithm>
#include <fstream>

#include <spark/serialization/nir.hpp>

namespace spark::serialization {

ModelFormat detect_model_format(std::string_view first_bytes) {
    static constexpr unsigned char xz[6] = {0xFD, '7', 'z', 'X', 'Z', 0x00};
    static constexpr unsigned char hdf5[8] = {0x89, 'H', 'D', 'F', 0x0D, 0x0A, 0x1A, 0x0A};
    auto starts_with = [&](const unsigned char* magic, std::size_t n) {
        return first_bytes.size() >= n &&
               std::equal(magic, magic + n, first_bytes.begin(),
                          [](unsigned char m, char c) { return m == static_cast<unsigned char>(c); });
    };
    if (starts_with(xz, sizeof xz)) return ModelFormat::spark_scfg;
    if (starts_with(hdf5, sizeof hdf5)) return ModelFormat::nir;
    return ModelFormat::network_text;
}

NetworkFile load_model_file(const std::filesystem::path& path, const ImportOptions& options) {
    std::ifstream in(path, std::ios::binary);
    char head[8] = {};
    in.read(head, sizeof head);
    const std::string_view first(head, static_cast<std::size_t>(std::max<std::streamsize>(in.gcount(), 0)));
    switch (detect_model_format(first)) {
        case ModelFormat::nir: return load_nir_file(path, options);
        case ModelFormat::spark_scfg:
            throw NetworkFileError(path.string(), 0, 0, "a Spark .scfg file: this build does not read that format");
        case ModelFormat::network_text: break;
    }
    return load_network_file(path);
}

}  // namespace spark::serialization
