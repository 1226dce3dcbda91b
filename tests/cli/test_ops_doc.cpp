// The expression language's documentation names every function and constant the language
// has (expr::function_names(), constant_names()): `graphrun ops expr` and docs/expressions.md.
#include "expr/expr.h"
#include "support/command.h"

#include <gtest/gtest.h>

#include <regex>
#include <string>

namespace graphrun::testing {
namespace {

// True when `name` appears in `text` as a word of its own.
bool names(const std::string& text, std::string_view name) {
  return std::regex_search(text, std::regex("(^|[^a-z0-9_])" + std::string(name) + "([^a-z0-9_]|$)"));
}

TEST(OpsDoc, ExprAttributeNamesEveryFunctionAndConstant) {
  CommandResult r = run_graphrun({"ops", "expr"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  for (std::string_view f : expr::function_names()) EXPECT_TRUE(names(r.out, f)) << f;
  for (std::string_view c : expr::constant_names()) EXPECT_TRUE(names(r.out, c)) << c;
}

TEST(OpsDoc, ExpressionsReferenceNamesEveryFunctionAndConstant) {
  const std::string doc = read_text(std::string(GRAPHRUN_SOURCE_DIR) + "/docs/expressions.md");
  ASSERT_FALSE(doc.empty());
  for (std::string_view f : expr::function_names()) EXPECT_NE(doc.find("`" + std::string(f) + "("), std::string::npos) << f;
  for (std::string_view c : expr::constant_names()) EXPECT_NE(doc.find("`" + std::string(c) + "`"), std::string::npos) << c;
}

}  // namespace
}  // namespace graphrun::testing
