#include "graph/yaml_structure.h"

#include <yaml-cpp/depthguard.h>
#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/exceptions.h>
#include <yaml-cpp/mark.h>
#include <yaml-cpp/parser.h>

#include <algorithm>
#include <map>
#include <sstream>
#include <vector>

namespace graphrun {
namespace {

constexpr uint64_t kSaturated = uint64_t{1} << 62;

uint64_t saturating_add(uint64_t a, uint64_t b) { return std::min(a + std::min(b, kSaturated), kSaturated); }

// What a parent needs to know of a complete node.
struct NodeSummary {
  uint64_t expanded = 1;  // YAML nodes it stands for with every alias inside expanded
  bool scalar = false;
  std::string text;           // the scalar's text
  const char* kind = "";      // "a list", "a map", "an empty key" for messages
};

// A sequence or map whose end has not been read yet.
struct OpenNode {
  bool map = false;
  YAML::Mark mark;
  YAML::anchor_t anchor = 0;
  NodeSummary summary;
  bool expect_key = true;
  std::map<std::string, int> key_lines;  // each key of a map -> its 1-based line
};

class StructureChecker : public YAML::EventHandler {
 public:
  StructureChecker(const std::string& path, DiagnosticSink& sink) : path_(path), sink_(sink) {}

  bool fatal() const { return fatal_; }

  void OnDocumentStart(const YAML::Mark& mark) override {
    if (++documents_ < 2) return;
    // Reading stops here: yaml-cpp 0.7 never ends some broken streams (one starting with ','
    // gives empty documents without end), and a graph file has one document anyway.
    fatal_ = true;
    if (mark.pos <= furthest_pos_)
      error(mark, "YAML syntax error: the text from here on is not YAML");
    else
      error(mark, "a graph file is one YAML document; a second one starts here (remove the '---')");
  }
  void OnDocumentEnd() override {}

  void OnNull(const YAML::Mark& mark, YAML::anchor_t anchor) override {
    name_anchor(anchor);
    finish(mark, anchor, NodeSummary{1, false, "", "an empty key"});
  }

  void OnScalar(const YAML::Mark& mark, const std::string& /*tag*/, YAML::anchor_t anchor,
                const std::string& value) override {
    name_anchor(anchor);
    finish(mark, anchor, NodeSummary{1, true, value, "a scalar"});
  }

  void OnAlias(const YAML::Mark& mark, YAML::anchor_t anchor) override {
    auto it = anchors_.find(anchor);
    if (it == anchors_.end()) {
      // The anchored node is still open: the alias sits inside the node it names, and
      // expanding it would never end.
      error(mark, "alias '*" + anchor_name(anchor) + "' refers to a node that contains it");
      fatal_ = true;
      finish(mark, 0, NodeSummary{1, false, "", "an alias"});
      return;
    }
    const NodeSummary& target = it->second;
    expansion_ = saturating_add(expansion_, target.expanded);
    if (expansion_ > kMaxAliasExpansion && !fatal_) {
      error(mark, "alias '*" + anchor_name(anchor) + "' stands for " + count_text(target.expanded) +
                      " YAML values, and aliases expand this file by more than " +
                      std::to_string(kMaxAliasExpansion) +
                      " in all: write the values out, or give a constant a `shape` to fill");
      fatal_ = true;
    }
    finish(mark, 0, target);
  }

  void OnSequenceStart(const YAML::Mark& mark, const std::string& /*tag*/, YAML::anchor_t anchor,
                       YAML::EmitterStyle::value /*style*/) override {
    open(false, mark, anchor);
  }
  void OnSequenceEnd() override { close(); }

  void OnMapStart(const YAML::Mark& mark, const std::string& /*tag*/, YAML::anchor_t anchor,
                  YAML::EmitterStyle::value /*style*/) override {
    open(true, mark, anchor);
  }
  void OnMapEnd() override { close(); }

  void OnAnchor(const YAML::Mark& /*mark*/, const std::string& name) override { pending_name_ = name; }

 private:
  void error(const YAML::Mark& mark, std::string message) {
    sink_.error({path_, mark.line + 1, mark.column + 1}, std::move(message));
  }

  static std::string count_text(uint64_t n) { return n >= kSaturated ? "more than 4e18" : std::to_string(n); }

  // OnAnchor names the anchor of the node event that follows it.
  void name_anchor(YAML::anchor_t anchor) {
    if (anchor) anchor_names_[anchor] = pending_name_;
    pending_name_.clear();
  }
  std::string anchor_name(YAML::anchor_t anchor) const {
    auto it = anchor_names_.find(anchor);
    return it != anchor_names_.end() && !it->second.empty() ? it->second : std::to_string(anchor);
  }

  void open(bool map, const YAML::Mark& mark, YAML::anchor_t anchor) {
    furthest_pos_ = std::max(furthest_pos_, mark.pos);
    name_anchor(anchor);
    OpenNode node;
    node.map = map;
    node.mark = mark;
    node.anchor = anchor;
    node.summary.kind = map ? "a map" : "a list";
    open_.push_back(std::move(node));
  }

  void close() {
    OpenNode node = std::move(open_.back());
    open_.pop_back();
    finish(node.mark, node.anchor, node.summary);
  }

  // A node is complete: remember it under its anchor and account for it in its parent.
  void finish(const YAML::Mark& mark, YAML::anchor_t anchor, const NodeSummary& node) {
    furthest_pos_ = std::max(furthest_pos_, mark.pos);
    if (anchor) anchors_[anchor] = node;
    if (open_.empty()) return;
    OpenNode& parent = open_.back();
    parent.summary.expanded = saturating_add(parent.summary.expanded, node.expanded);
    if (!parent.map) return;
    if (parent.expect_key) {
      if (!node.scalar) {
        error(mark, std::string("a map key must be a plain name, not ") + node.kind);
      } else if (auto [it, inserted] = parent.key_lines.emplace(node.text, mark.line + 1); !inserted) {
        error(mark, "duplicate key '" + node.text + "': map keys must be unique (first given at line " +
                        std::to_string(it->second) + ")");
      }
    }
    parent.expect_key = !parent.expect_key;
  }

  const std::string& path_;
  DiagnosticSink& sink_;
  std::vector<OpenNode> open_;
  std::map<YAML::anchor_t, NodeSummary> anchors_;
  std::map<YAML::anchor_t, std::string> anchor_names_;
  std::string pending_name_;
  uint64_t expansion_ = 0;
  int documents_ = 0;
  bool fatal_ = false;
  int furthest_pos_ = -1;  // of the node events read so far
};

// yaml-cpp's message for a tab in indentation ("illegal block entry", "end of map not
// found") does not say what is wrong: say it when the failing line starts with a tab.
std::string tab_hint(const std::string& text, int line) {
  size_t begin = 0;
  for (int l = 0; l < line && begin != std::string::npos; ++l) {
    begin = text.find('\n', begin);
    if (begin != std::string::npos) ++begin;
  }
  if (begin == std::string::npos) return "";
  size_t indent_end = text.find_first_not_of(" \t", begin);
  std::string indent = text.substr(begin, indent_end == std::string::npos ? std::string::npos : indent_end - begin);
  return indent.find('\t') != std::string::npos ? " (YAML indents with spaces, not tabs)" : "";
}

}  // namespace

bool check_yaml_structure(const std::string& path, const std::string& text, DiagnosticSink& sink) {
  std::istringstream in(text);
  StructureChecker checker(path, sink);
  try {
    YAML::Parser parser(in);
    while (!checker.fatal() && parser.HandleNextDocument(checker)) {
    }
  } catch (const YAML::DeepRecursion& e) {
    sink.error({path, e.mark.line + 1, e.mark.column + 1},
               "YAML nested more than " + std::to_string(e.depth() - 1) + " levels deep: too deep to read");
    return false;
  } catch (const YAML::ParserException& e) {
    sink.error({path, e.mark.line + 1, e.mark.column + 1}, "YAML syntax error: " + e.msg + tab_hint(text, e.mark.line));
    return false;
  }
  return !checker.fatal();
}

}  // namespace graphrun
