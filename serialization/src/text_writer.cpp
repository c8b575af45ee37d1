// The text writer of network files: protobuf text format laid out for people. The top-level message,
// templates, template bodies and nodes with params get one field per line; every other message fits
// on one line; repeated numbers use the list form `shape: [10, 20]`. Numbers are written in their
// shortest round-trip form, so parse(write(m)) == m.
#include <cstdio>

#include <google/protobuf/descriptor.h>
#include <google/protobuf/message.h>
#include <google/protobuf/reflection.h>

#include <spark/core/text.hpp>

#include "convert.hpp"

namespace spark::serialization::detail {

namespace {

using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::Reflection;

bool multiline(const Message& m) {
    const auto* d = m.GetDescriptor();
    if (d == pb::NetworkFileProto::descriptor() || d == pb::TemplateProto::descriptor() ||
        d == pb::NetworkBodyProto::descriptor())
        return true;
    if (d == pb::NodeProto::descriptor()) return static_cast<const pb::NodeProto&>(m).param_size() > 0;
    return false;
}

void escape(const std::string& s, std::string& out) {
    out += '"';
    for (char c : s) {
        const auto u = static_cast<unsigned char>(c);
        switch (c) {
            case '"': out += "\\\""; break;
            case '\\': out += "\\\\"; break;
            case '\n': out += "\\n"; break;
            case '\r': out += "\\r"; break;
            case '\t': out += "\\t"; break;
            default:
                if (u < 0x20 || u == 0x7f) {
                    char buffer[8];
                    std::snprintf(buffer, sizeof buffer, "\\%03o", u);
                    out += buffer;
                } else {
                    out += c;  // UTF-8 stays readable
                }
        }
    }
    out += '"';
}

void scalar(const Message& m, const Reflection& r, const FieldDescriptor* f, int index, std::string& out) {
    const bool rep = index >= 0;
    switch (f->cpp_type()) {
        case FieldDescriptor::CPPTYPE_INT32:
            out += std::to_string(rep ? r.GetRepeatedInt32(m, f, index) : r.GetInt32(m, f));
            break;
        case FieldDescriptor::CPPTYPE_INT64:
            out += std::to_string(rep ? r.GetRepeatedInt64(m, f, index) : r.GetInt64(m, f));
            break;
        case FieldDescriptor::CPPTYPE_UINT32:
            out += std::to_string(rep ? r.GetRepeatedUInt32(m, f, index) : r.GetUInt32(m, f));
            break;
        case FieldDescriptor::CPPTYPE_UINT64:
            out += std::to_string(rep ? r.GetRepeatedUInt64(m, f, index) : r.GetUInt64(m, f));
            break;
        case FieldDescriptor::CPPTYPE_DOUBLE:
            out += format_number(rep ? r.GetRepeatedDouble(m, f, index) : r.GetDouble(m, f));
            break;
        case FieldDescriptor::CPPTYPE_FLOAT:
            out += format_number(rep ? r.GetRepeatedFloat(m, f, index) : r.GetFloat(m, f));
            break;
        case FieldDescriptor::CPPTYPE_BOOL:
            out += (rep ? r.GetRepeatedBool(m, f, index) : r.GetBool(m, f)) ? "true" : "false";
            break;
        case FieldDescriptor::CPPTYPE_ENUM: {
            const int v = rep ? r.GetRepeatedEnumValue(m, f, index) : r.GetEnumValue(m, f);
            const auto* e = f->enum_type()->FindValueByNumber(v);
            out += e ? e->name() : std::to_string(v);
            break;
        }
        case FieldDescriptor::CPPTYPE_STRING:
            escape(rep ? r.GetRepeatedString(m, f, index) : r.GetString(m, f), out);
            break;
        case FieldDescriptor::CPPTYPE_MESSAGE: break;
    }
}

void fields(const Message& m, int indent, bool lines, std::string& out);

void message_field(const std::string& name, const Message& m, int indent, std::string& out) {
    if (multiline(m)) {
        out += name + " {\n";
        fields(m, indent + 2, true, out);
        out += std::string(static_cast<std::size_t>(indent), ' ') + "}";
    } else {
        std::string inner;
        fields(m, 0, false, inner);
        out += inner.empty() ? name + " {}" : name + " { " + inner + " }";
    }
}

// Writes the set fields of `m`: one per line (indented) when `lines`, else separated by spaces.
void fields(const Message& m, int indent, bool lines, std::string& out) {
    const Reflection& r = *m.GetReflection();
    std::vector<const FieldDescriptor*> set;
    r.ListFields(m, &set);
    const std::string pad(static_cast<std::size_t>(indent), ' ');
    bool first = true;
    auto begin = [&] {
        if (lines) out += pad;
        else if (!first) out += ' ';
        first = false;
    };
    auto end = [&] {
        if (lines) out += '\n';
    };
    // At the top of a file a blank line comes before each group of repeated messages and between
    // multi-line blocks (templates, nodes with params).
    const bool top = lines && indent == 0;
    bool wrote = false;
    for (const FieldDescriptor* f : set) {
        const std::string& name = f->name();
        const bool is_message = f->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE;
        if (top && wrote && f->is_repeated() && is_message) out += '\n';
        wrote = true;
        if (f->is_repeated() && is_message) {
            for (int i = 0; i < r.FieldSize(m, f); ++i) {
                const Message& element = r.GetRepeatedMessage(m, f, i);
                if (top && i > 0 && (multiline(element) || multiline(r.GetRepeatedMessage(m, f, i - 1)))) out += '\n';
                begin();
                message_field(name, element, indent, out);
                end();
            }
        } else if (f->is_repeated()) {
            begin();
            out += name + ": [";
            for (int i = 0; i < r.FieldSize(m, f); ++i) {
                if (i) out += ", ";
                scalar(m, r, f, i, out);
            }
            out += ']';
            end();
        } else if (f->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE) {
            begin();
            message_field(name, r.GetMessage(m, f), indent, out);
            end();
        } else {
            begin();
            out += name + ": ";
            scalar(m, r, f, -1, out);
            end();
        }
    }
}

}  // namespace

std::string write_text(const google::protobuf::Message& message) {
    std::string out;
    fields(message, 0, true, out);
    return out;
}

}  // namespace spark::serialization::detail
