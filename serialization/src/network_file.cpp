// Network files: parsing (TextFormat::Parser with an error collector and a parse-info tree for line
// numbers), building with file lines appended to build problems, and writing.
#include <spark/serialization/network_file.hpp>

#include <algorithm>
#include <optional>
#include <regex>
#include <sstream>

#include <google/protobuf/io/tokenizer.h>
#include <google/protobuf/stubs/logging.h>
#include <google/protobuf/text_format.h>
#include <google/protobuf/util/message_differencer.h>

#include <spark/core/file_io.hpp>
#include <spark/core/text.hpp>

#include "convert.hpp"

namespace spark::serialization {

namespace {

constexpr int kMaxNesting = 100;

std::string location(const std::string& file, int line, int column) {
    std::string text = file;
    if (line > 0) text += ":" + std::to_string(line);
    if (line > 0 && column > 0) text += ":" + std::to_string(column);
    return text + ":";
}

// Keeps the first parse error, with a "did you mean" for misspelt field names.
class FirstError final : public google::protobuf::io::ErrorCollector {
public:
    void AddError(int line, google::protobuf::io::ColumnNumber column, const std::string& message) override {
        if (found) return;
        found = true;
        error_line = line + 1;
        error_column = column + 1;
        error_message = message;
        raw_message = message;
        // 'Message type "spark.v1.NodeProto" has no field named "nmae".'
        static const std::regex unknown(R"re(Message type "([\w.]+)" has no field named "(\w+)")re");
        std::smatch m;
        if (std::regex_search(message, m, unknown)) {
            const auto* pool = google::protobuf::DescriptorPool::generated_pool();
            if (const auto* d = pool->FindMessageTypeByName(m[1].str())) {
                std::vector<std::string> names;
                for (int i = 0; i < d->field_count(); ++i) names.push_back(d->field(i)->name());
                error_message = "'" + m[2].str() + "' is not a field of " + d->name() + " (did you mean " +
                                join(closest_names(m[2].str(), names)) + "?)";
            }
        }
    }
    void AddWarning(int, google::protobuf::io::ColumnNumber, const std::string&) override {}

    bool found = false;
    int error_line = 0, error_column = 0;
    std::string error_message, raw_message;
};

// The parser reports some errors at the token after the offending one ("nmae" in `nmae: 1` is reported
// at ':'). When the message quotes the offending token, move the position back to where it starts.
void point_at_token(std::string_view text, const std::string& message, int& line, int& column) {
    static const std::regex quoted(R"re("([A-Za-z_]\w*)")re");
    std::smatch m;
    if (!std::regex_search(message, m, quoted) || line < 1) return;
    const std::string token = m[1].str();
    std::size_t offset = 0;
    for (int l = 1; l < line; ++l) {
        offset = text.find('\n', offset);
        if (offset == std::string_view::npos) return;
        ++offset;
    }
    offset = std::min(text.size(), offset + static_cast<std::size_t>(std::max(column - 1, 0)));
    if (offset < token.size()) return;
    const auto found = text.rfind(token, offset - token.size());
    if (found == std::string_view::npos || found + token.size() + 64 < offset) return;
    line = 1;
    std::size_t line_start = 0;
    for (std::size_t i = 0; i < found; ++i)
        if (text[i] == '\n') {
            ++line;
            line_start = i + 1;
        }
    column = static_cast<int>(found - line_start) + 1;
}

}  // namespace

NetworkFileError::NetworkFileError(std::string file, int line, int column, std::string message)
    : ConfigError(location(file, line, column), "", "", "", message),
      file_(std::move(file)),
      line_(line),
      column_(line > 0 ? column : 0),
      message_(std::move(message)) {}

NetworkFile parse_network_text(std::string_view text, std::string_view source_name) {
    const std::string source(source_name);
    detail::pb::NetworkFileProto proto;
    google::protobuf::TextFormat::Parser parser;
    FirstError errors;
    parser.RecordErrorsTo(&errors);
    parser.SetRecursionLimit(kMaxNesting);  // nested lists of a hostile file cannot exhaust the stack
    google::protobuf::TextFormat::ParseInfoTree tree;
    parser.WriteLocationsTo(&tree);
    bool parsed = false;
    {
        const google::protobuf::LogSilencer quiet;  // problems go to `errors`, not to the log
        parsed = parser.ParseFromString(std::string(text), &proto);
    }
    if (!parsed) {
        if (errors.found) {
            int line = errors.error_line, column = errors.error_column;
            point_at_token(text, errors.raw_message, line, column);
            throw NetworkFileError(source, line, column, errors.error_message);
        }
        throw NetworkFileError(source, 0, 0, "is not a network file (protobuf text format, schema spark.v1)");
    }
    const detail::Locator where(source, &tree, detail::pb::NetworkFileProto::descriptor());
    detail::Description d = detail::description_from(proto, where);

    NetworkFile file;
    file.network = std::move(d.network);
    file.input_specs = std::move(d.input_specs);
    file.source_name = source;
    file.lines = std::move(d.lines);
    for (std::size_t i = 0; i < d.templates.size(); ++i)
        if (graph::builtin_templates().find(d.templates[i].name))
            where.nested("template", static_cast<int>(i))
                .fail("name", -1,
                      "template '" + d.templates[i].name +
                          "' has the name of a built-in neuron template; choose another name");
    file.templates = templates_with_builtins(d.templates);  // (throws on a duplicate name)
    file.own_templates = std::move(d.templates);
    return file;
}

std::vector<graph::NeuronTemplate> user_templates(const graph::TemplateRegistry& registry) {
    auto same = [](const graph::NeuronTemplate& a, const graph::NeuronTemplate& b) {
        detail::pb::TemplateProto x, y;
        detail::template_to(a, &x);
        detail::template_to(b, &y);
        return google::protobuf::util::MessageDifferencer::Equals(x, y);
    };
    std::vector<graph::NeuronTemplate> out;
    for (const auto& t : registry.entries()) {
        const auto* builtin = graph::builtin_templates().find(t.name);
        if (!builtin || !same(*builtin, t)) out.push_back(t);
    }
    return out;
}

graph::TemplateRegistry templates_with_builtins(const std::vector<graph::NeuronTemplate>& user) {
    auto by_name = [&](const std::string& name) {
        return std::find_if(user.begin(), user.end(), [&](const graph::NeuronTemplate& u) { return u.name == name; });
    };
    graph::TemplateRegistry registry;
    for (const auto& t : graph::builtin_templates().entries()) {
        const auto own = by_name(t.name);
        registry.add(own == user.end() ? t : *own);
    }
    for (const auto& t : user)
        if (!graph::builtin_templates().find(t.name)) registry.add(t);
    return registry;
}

NetworkFile load_network_file(const std::filesystem::path& path) {
    std::string text;
    try {
        text = read_whole_file(path, "network file");
    } catch (const FileError& e) {
        throw NetworkFileError(path.string(), 0, 0, "cannot read the network file: " + e.reason());
    }
    return parse_network_text(text, path.string());
}

graph::Simulation build_simulation(const NetworkFile& file, graph::BuildOptions options) {
    options.templates = &file.templates;
    try {
        return graph::Simulation::build(file.network, file.input_specs, options);
    } catch (const graph::GraphBuildError& e) {
        std::vector<graph::Diagnostic> located = e.diagnostics();
        for (auto& d : located)
            if (const int line = file.lines.line_of(d.origin); line > 0)
                d.message += " (at " + file.source_name + ":" + std::to_string(line) + ")";
        throw graph::GraphBuildError(std::move(located));
    }
}

int StatementLines::line_of(const graph::Origin& origin) const {
    const std::vector<int>* lines = nullptr;
    switch (origin.kind) {
        case graph::Origin::none: return 0;
        case graph::Origin::node: lines = &nodes; break;
        case graph::Origin::wire: lines = &wires; break;
        case graph::Origin::effect: lines = &effects; break;
        case graph::Origin::input: lines = &inputs; break;
        case graph::Origin::output: lines = &outputs; break;
        case graph::Origin::everywhere: lines = &everywhere; break;
    }
    return origin.index < lines->size() ? (*lines)[origin.index] : 0;
}

std::string to_network_text(const graph::Network& network, const std::map<std::string, PortSpec>& input_specs,
                            const std::vector<graph::NeuronTemplate>& templates) {
    detail::pb::NetworkFileProto proto;
    detail::description_to(network, input_specs, templates, &proto);
    return detail::write_text(proto);
}

std::string to_network_text(const NetworkFile& file) {
    return to_network_text(file.network, file.input_specs, file.own_templates);
}

}  // namespace spark::serialization
