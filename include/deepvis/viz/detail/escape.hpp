#pragma once
/// Text inside HTML and SVG (the report and the plots): the five characters that markup reserves
/// replaced by their entities, so that a label can never end an attribute or open a tag.
#include <string>

namespace deepvis::detail {

inline std::string escape_markup(const std::string& s) {
    std::string out;
    out.reserve(s.size());
    for (char c : s) {
        switch (c) {
            case '&':
                out += "&amp;";
                break;
            case '<':
                out += "&lt;";
                break;
            case '>':
                out += "&gt;";
                break;
            case '"':
                out += "&quot;";
                break;
            case '\'':
                out += "&#39;";
                break;
            default:
                out += c;
        }
    }
    return out;
}

}  // namespace deepvis::detail
