#pragma once
// Private: conversions between the C++ network description (graph::Network, PortSpec, Value,
// NeuronTemplate) and the spark.v1 protobuf messages, and the text writer. Shared by network files
// and snapshots; nothing here is reachable from a public header.
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include <google/protobuf/text_format.h>

#include <spark/core/payload.hpp>
#include <spark/core/value.hpp>
#include <spark/graph/network.hpp>
#include <spark/serialization/network_file.hpp>

#include "spark/v1/network.pb.h"

namespace spark::serialization::detail {

namespace pb = ::spark::v1;
using ParseInfoTree = google::protobuf::TextFormat::ParseInfoTree;

// Where a message sits in the text a user wrote, to put "file:line:column" in front of a problem.
// Without a parse tree (a snapshot's description) a problem names only the source.
class Locator {
public:
    Locator(std::string source, const ParseInfoTree* tree, const google::protobuf::Descriptor* descriptor);

    // The locator of a nested message (field `index` of a repeated field, -1 for a singular one).
    Locator nested(std::string_view field, int index = -1) const;
    // Throws NetworkFileError at `field` (`index`), or at this message when the field has no location.
    [[noreturn]] void fail(std::string_view field, int index, const std::string& message) const;
    [[noreturn]] void fail(const std::string& message) const { fail({}, -1, message); }
    // The 1-based line of this message (0 when unknown).
    int line() const noexcept { return line_ + 1; }

private:
    std::string source_;
    const ParseInfoTree* tree_ = nullptr;
    const google::protobuf::Descriptor* descriptor_ = nullptr;
    int line_ = -1, column_ = -1;  // 0-based; -1 unknown
};

// The whole description a network file or a snapshot holds.
struct Description {
    graph::Network network;
    std::map<std::string, PortSpec> input_specs;
    std::vector<graph::NeuronTemplate> templates;
    StatementLines lines;  // of the top-level network
};

// Proto -> C++; problems are thrown through `where` (NetworkFileError).
Description description_from(const pb::NetworkFileProto& proto, const Locator& where);
// C++ -> proto. The writer chooses `shape` for whole-number lists of fields named units/*shape,
// `numbers` for other number lists, and `initializer` for maps in the initializer form.
void description_to(const graph::Network& network, const std::map<std::string, PortSpec>& input_specs,
                    const std::vector<graph::NeuronTemplate>& templates, pb::NetworkFileProto* proto);

void template_to(const graph::NeuronTemplate& t, pb::TemplateProto* proto);

// Values and specs.
Value value_from(const pb::ParamProto& p, const Locator& where);
void value_to(const Value& value, std::string_view name_hint, pb::ParamProto* p);
PortSpec spec_from(const pb::PortSpecProto& p, const Locator& where);
void spec_to(const PortSpec& spec, pb::PortSpecProto* p);

pb::DType dtype_to(DType dtype);
bool dtype_from(pb::DType dtype, DType& out);  // false for an unknown value

// The readable text of a message: one field per line at the top, small messages on one line,
// repeated numbers as [a, b]; parse(write(m)) == m.
std::string write_text(const google::protobuf::Message& message);

}  // namespace spark::serialization::detail
