#pragma once
// The NIR file as a tree in memory, and its HDF5 reading and writing (the only place that sees hdf5.h).
//
// Layout (NIR's serialization.py): /version (string), /node = the graph: type "NIRGraph", nodes/<name>/
// (one group per node: `type` string, one dataset per field, optional metadata/ group, or a nested
// graph with its own nodes/ and edges), edges (E x 2 strings: source, target).
#include <cstddef>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace spark::serialization::nir {

// One numeric field: values in row-major order and the dataset's shape (empty for a scalar).
struct Array {
    std::vector<double> values;
    std::vector<std::size_t> shape;
};

struct Graph;

struct Node {
    std::string type;                          // "LIF", "Affine", ..., "NIRGraph"
    std::map<std::string, Array> fields;       // numeric datasets
    std::map<std::string, std::string> texts;  // string datasets other than `type`
    std::map<std::string, Array> metadata;     // numeric datasets of the metadata/ group
    std::shared_ptr<Graph> graph;              // a nested graph (type "NIRGraph")
};

struct Graph {
    std::vector<std::pair<std::string, Node>> nodes;          // in the file's (name) order
    std::vector<std::pair<std::string, std::string>> edges;   // source, target
};

struct File {
    std::string version;
    Graph graph;
};

// The 8-byte HDF5 signature.
inline constexpr unsigned char hdf5_signature[8] = {0x89, 'H', 'D', 'F', 0x0D, 0x0A, 0x1A, 0x0A};

// Reads a NIR file. Throws NetworkFileError: not HDF5, not a NIR graph (no /node group or its type is
// not "NIRGraph"), a node without `type`, edges that are not an E x 2 string array; `source` names the file.
File read_file(const std::filesystem::path& path, const std::string& source);

// Writes a NIR file (version, /node graph; float64 fields, int64 for shapes and integer settings).
// Throws Error when the file cannot be written.
void write_file(const std::filesystem::path& path, const File& file);

}  // namespace spark::serialization::nir
