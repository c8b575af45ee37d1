#include "nir_hdf5.hpp"

#include <hdf5.h>

#include <cstdint>
#include <set>

#include <spark/core/error.hpp>
#include <spark/serialization/network_file.hpp>

namespace spark::serialization::nir {

namespace {

// An HDF5 identifier closed on scope exit.
class Handle {
public:
    Handle(hid_t id, herr_t (*close)(hid_t)) : id_(id), close_(close) {}
    Handle(const Handle&) = delete;
    Handle& operator=(const Handle&) = delete;
    ~Handle() {
        if (id_ >= 0) close_(id_);
    }
    hid_t get() const noexcept { return id_; }
    bool valid() const noexcept { return id_ >= 0; }

private:
    hid_t id_;
    herr_t (*close_)(hid_t);
};

// HDF5 prints its error stack to stderr by default; every failure here is reported as an exception.
void silence_hdf5() { H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr); }

class Reader {
public:
    explicit Reader(std::string source) : source_(std::move(source)) {}

    [[noreturn]] void fail(const std::string& where, const std::string& what) const {
        throw NetworkFileError(source_, 0, 0, (where.empty() ? "" : where + ": ") + what);
    }

    std::vector<std::string> links(hid_t group) const {
        std::vector<std::string> names;
        auto collect = [](hid_t, const char* name, const H5L_info_t*, void* data) -> herr_t {
            static_cast<std::vector<std::string>*>(data)->emplace_back(name);
            return 0;
        };
        hsize_t index = 0;
        H5Literate(group, H5_INDEX_NAME, H5_ITER_INC, &index, collect, &names);
        return names;
    }

    static bool is_string(hid_t dataset) {
        Handle type(H5Dget_type(dataset), H5Tclose);
        return H5Tget_class(type.get()) == H5T_STRING;
    }

    // Every string of a string dataset (variable- or fixed-length), row-major.
    std::vector<std::string> strings(hid_t dataset, const std::string& where) const {
        Handle file_type(H5Dget_type(dataset), H5Tclose);
        Handle space(H5Dget_space(dataset), H5Sclose);
        const auto n = static_cast<std::size_t>(H5Sget_simple_extent_npoints(space.get()));
        std::vector<std::string> out;
        if (H5Tis_variable_str(file_type.get()) > 0) {
            Handle memory(H5Tcopy(H5T_C_S1), H5Tclose);
            H5Tset_size(memory.get(), H5T_VARIABLE);
            H5Tset_cset(memory.get(), H5Tget_cset(file_type.get()));
            std::vector<char*> raw(n, nullptr);
            if (H5Dread(dataset, memory.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT, raw.data()) < 0)
                fail(where, "cannot read the strings");
            for (char* s : raw) out.emplace_back(s ? s : "");
            H5Dvlen_reclaim(memory.get(), space.get(), H5P_DEFAULT, raw.data());
        } else {
            const std::size_t size = H5Tget_size(file_type.get());
            Handle memory(H5Tcopy(H5T_C_S1), H5Tclose);
            H5Tset_size(memory.get(), size);
            H5Tset_cset(memory.get(), H5Tget_cset(file_type.get()));
            std::vector<char> raw(n * size, '\0');
            if (H5Dread(dataset, memory.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT, raw.data()) < 0)
                fail(where, "cannot read the strings");
            for (std::size_t i = 0; i < n; ++i) {
                std::string s(raw.data() + i * size, size);
                s.erase(s.find_last_not_of('\0') + 1);
                out.push_back(std::move(s));
            }
        }
        return out;
    }

    static std::vector<std::size_t> shape_of(hid_t dataset) {
        Handle space(H5Dget_space(dataset), H5Sclose);
        const int rank = H5Sget_simple_extent_ndims(space.get());
        std::vector<hsize_t> dims(static_cast<std::size_t>(std::max(rank, 0)));
        H5Sget_simple_extent_dims(space.get(), dims.data(), nullptr);
        return {dims.begin(), dims.end()};
    }

    // A numeric dataset as float64 (integers and booleans convert); nullopt for other classes.
    std::optional<Array> numbers(hid_t dataset, const std::string& where) const {
        Handle type(H5Dget_type(dataset), H5Tclose);
        const H5T_class_t cls = H5Tget_class(type.get());
        if (cls != H5T_INTEGER && cls != H5T_FLOAT && cls != H5T_ENUM) return std::nullopt;
        Array a;
        a.shape = shape_of(dataset);
        std::size_t n = 1;
        for (auto d : a.shape) n *= d;
        a.values.assign(n, 0.0);
        if (cls == H5T_ENUM) {  // h5py's booleans: an int8 enum
            std::vector<std::int8_t> raw(n);
            if (H5Dread(dataset, H5T_NATIVE_INT8, H5S_ALL, H5S_ALL, H5P_DEFAULT, raw.data()) < 0)
                fail(where, "cannot read the values");
            for (std::size_t i = 0; i < n; ++i) a.values[i] = raw[i];
        } else if (n > 0 && H5Dread(dataset, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, a.values.data()) < 0) {
            fail(where, "cannot read the values");
        }
        return a;
    }

    Graph graph(hid_t group, const std::string& path) const {
        Graph g;
        if (H5Lexists(group, "nodes", H5P_DEFAULT) <= 0) fail(path, "a NIRGraph without a 'nodes' group");
        Handle nodes(H5Gopen2(group, "nodes", H5P_DEFAULT), H5Gclose);
        if (!nodes.valid()) fail(path, "'nodes' is not a group");
        for (const auto& name : links(nodes.get())) {
            const std::string node_path = path.empty() ? name : path + "." + name;
            Handle child(H5Gopen2(nodes.get(), name.c_str(), H5P_DEFAULT), H5Gclose);
            if (!child.valid()) fail("node '" + node_path + "'", "is not a group");
            g.nodes.emplace_back(name, node(child.get(), node_path));
        }
        if (H5Lexists(group, "edges", H5P_DEFAULT) > 0) {
            Handle edges(H5Dopen2(group, "edges", H5P_DEFAULT), H5Dclose);
            const std::string where = path.empty() ? "edges" : "node '" + path + "' edges";
            if (!edges.valid() || !is_string(edges.get())) fail(where, "must be an E x 2 array of strings");
            const auto shape = shape_of(edges.get());
            const auto names = strings(edges.get(), where);
            if (!names.empty() && (shape.size() != 2 || shape[1] != 2))
                fail(where, "must be an E x 2 array of strings");
            for (std::size_t e = 0; e + 1 < names.size(); e += 2) g.edges.emplace_back(names[e], names[e + 1]);
        }
        return g;
    }

    Node node(hid_t group, const std::string& path) const {
        Node n;
        const std::string where = "node '" + path + "'";
        for (const auto& field : links(group)) {
            H5O_type_t kind = H5O_TYPE_UNKNOWN;
            {
                Handle object(H5Oopen(group, field.c_str(), H5P_DEFAULT), H5Oclose);
                if (!object.valid()) continue;
                const H5I_type_t id_type = H5Iget_type(object.get());
                kind = id_type == H5I_GROUP ? H5O_TYPE_GROUP : id_type == H5I_DATASET ? H5O_TYPE_DATASET : H5O_TYPE_UNKNOWN;
            }
            if (kind == H5O_TYPE_DATASET) {
                Handle dataset(H5Dopen2(group, field.c_str(), H5P_DEFAULT), H5Dclose);
                if (is_string(dataset.get())) {
                    auto values = strings(dataset.get(), where + " field '" + field + "'");
                    const std::string text = values.empty() ? "" : values.front();
                    if (field == "type") n.type = text;
                    else n.texts[field] = text;
                } else if (auto a = numbers(dataset.get(), where + " field '" + field + "'")) {
                    n.fields[field] = std::move(*a);
                }
            } else if (kind == H5O_TYPE_GROUP && field == "metadata") {
                Handle meta(H5Gopen2(group, field.c_str(), H5P_DEFAULT), H5Gclose);
                for (const auto& key : links(meta.get())) {
                    Handle d(H5Dopen2(meta.get(), key.c_str(), H5P_DEFAULT), H5Dclose);
                    if (d.valid() && !is_string(d.get()))
                        if (auto a = numbers(d.get(), where + " metadata '" + key + "'")) n.metadata[key] = std::move(*a);
                }
            }
            // Other groups (input_type / output_type dictionaries of newer files) carry nothing needed.
        }
        if (n.type.empty()) fail(where, "has no 'type'");
        if (n.type == "NIRGraph") n.graph = std::make_shared<Graph>(graph(group, path));
        return n;
    }

private:
    std::string source_;
};

}  // namespace

File read_file(const std::filesystem::path& path, const std::string& source) {
    silence_hdf5();
    Reader reader(source);
    if (H5Fis_hdf5(path.c_str()) <= 0) reader.fail("", "not an HDF5 file (a NIR file is HDF5)");
    Handle file(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), H5Fclose);
    if (!file.valid()) reader.fail("", "cannot open the HDF5 file");
    File out;
    if (H5Lexists(file.get(), "version", H5P_DEFAULT) > 0) {
        Handle version(H5Dopen2(file.get(), "version", H5P_DEFAULT), H5Dclose);
        if (version.valid() && Reader::is_string(version.get())) {
            auto v = reader.strings(version.get(), "version");
            if (!v.empty()) out.version = v.front();
        }
    }
    if (H5Lexists(file.get(), "node", H5P_DEFAULT) <= 0)
        reader.fail("", "not a NIR graph: the HDF5 file has no '/node' group");
    Handle root(H5Gopen2(file.get(), "node", H5P_DEFAULT), H5Gclose);
    if (!root.valid()) reader.fail("", "not a NIR graph: '/node' is not a group");
    Node top = reader.node(root.get(), "");
    if (top.type != "NIRGraph")
        reader.fail("", "not a NIR graph: '/node' has type '" + top.type + "', expected 'NIRGraph'");
    out.graph = std::move(*top.graph);
    return out;
}

namespace {

class Writer {
public:
    explicit Writer(std::string path) : path_(std::move(path)) {}

    void check(herr_t status, const std::string& what) const {
        if (status < 0) throw Error("cannot write NIR file '" + path_ + "': " + what);
    }
    hid_t checked(hid_t id, const std::string& what) const {
        if (id < 0) throw Error("cannot write NIR file '" + path_ + "': " + what);
        return id;
    }

    void strings(hid_t group, const char* name, const std::vector<const char*>& values,
                 const std::vector<hsize_t>& dims) const {
        Handle type(checked(H5Tcopy(H5T_C_S1), name), H5Tclose);
        H5Tset_size(type.get(), H5T_VARIABLE);
        H5Tset_cset(type.get(), H5T_CSET_UTF8);
        Handle space(checked(dims.empty() ? H5Screate(H5S_SCALAR)
                                          : H5Screate_simple(static_cast<int>(dims.size()), dims.data(), nullptr),
                             name),
                     H5Sclose);
        Handle d(checked(H5Dcreate2(group, name, type.get(), space.get(), H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT), name),
                 H5Dclose);
        if (!values.empty()) check(H5Dwrite(d.get(), type.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT, values.data()), name);
    }

    void text(hid_t group, const char* name, const std::string& value) const {
        strings(group, name, {value.c_str()}, {});
    }

    void array(hid_t group, const std::string& name, const Array& a, bool integer) const {
        std::vector<hsize_t> dims(a.shape.begin(), a.shape.end());
        Handle space(checked(dims.empty() ? H5Screate(H5S_SCALAR)
                                          : H5Screate_simple(static_cast<int>(dims.size()), dims.data(), nullptr),
                             name),
                     H5Sclose);
        const hid_t file_type = integer ? H5T_STD_I64LE : H5T_IEEE_F64LE;
        Handle d(checked(H5Dcreate2(group, name.c_str(), file_type, space.get(), H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT),
                         name),
                 H5Dclose);
        if (a.values.empty()) return;
        if (integer) {
            std::vector<std::int64_t> v(a.values.begin(), a.values.end());
            check(H5Dwrite(d.get(), H5T_NATIVE_INT64, H5S_ALL, H5S_ALL, H5P_DEFAULT, v.data()), name);
        } else {
            check(H5Dwrite(d.get(), H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, a.values.data()), name);
        }
    }

    void graph(hid_t group, const Graph& g) const {
        text(group, "type", "NIRGraph");
        Handle nodes(checked(H5Gcreate2(group, "nodes", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT), "nodes"), H5Gclose);
        for (const auto& [name, n] : g.nodes) {
            Handle child(checked(H5Gcreate2(nodes.get(), name.c_str(), H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT), name),
                         H5Gclose);
            if (n.graph) {
                graph(child.get(), *n.graph);
                continue;
            }
            text(child.get(), "type", n.type);
            for (const auto& [field, a] : n.fields) array(child.get(), field, a, integer_field(field));
            for (const auto& [field, t] : n.texts) text(child.get(), field.c_str(), t);
            if (!n.metadata.empty()) {
                Handle meta(checked(H5Gcreate2(child.get(), "metadata", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT), "metadata"),
                            H5Gclose);
                for (const auto& [key, a] : n.metadata) array(meta.get(), key, a, false);
            }
        }
        std::vector<const char*> names;
        for (const auto& [from, to] : g.edges) {
            names.push_back(from.c_str());
            names.push_back(to.c_str());
        }
        strings(group, "edges", names, {static_cast<hsize_t>(g.edges.size()), 2});
    }

    // Shapes and integer settings are int64 in NIR's files; parameters float64.
    static bool integer_field(const std::string& field) {
        static const std::set<std::string> integers{"shape",   "input_shape", "stride",    "padding", "dilation",
                                                    "groups", "kernel_size", "start_dim", "end_dim"};
        return integers.count(field) > 0;
    }

private:
    std::string path_;
};

}  // namespace

void write_file(const std::filesystem::path& path, const File& file) {
    silence_hdf5();
    Writer writer(path.string());
    Handle f(writer.checked(H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT), "cannot create it"),
             H5Fclose);
    writer.text(f.get(), "version", file.version);
    Handle root(writer.checked(H5Gcreate2(f.get(), "node", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT), "node"), H5Gclose);
    writer.graph(root.get(), file.graph);
}

}  // namespace spark::serialization::nir
