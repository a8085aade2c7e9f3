#include "valor/rank/features.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <stdlib.h>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>

#include "valor/core/error.h"
#include "valor/rank/comparison_reader.h"

namespace valor::rank {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

class FeaturesTest : public ::testing::Test {
 protected:
  FeaturesTest() {
    std::string pattern = (fs::temp_directory_path() / "valor-features-test-XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    dir_ = pattern;
  }
  ~FeaturesTest() override {
    std::error_code ignored;
    fs::remove_all(dir_, ignored);
  }
  fs::path write(const std::string& name, const std::string& text) {
    const auto path = dir_ / name;
    std::ofstream(path, std::ios::binary) << text;
    return path;
  }
  // A .npy file with a header dictionary of our choosing and `payload` bytes after it.
  fs::path write_npy(const std::string& name, const std::string& dict, const std::string& payload) {
    std::string header = dict;
    while ((10 + header.size() + 1) % 64 != 0) header += ' ';
    header += '\n';
    std::string bytes = "\x93NUMPY\x01";
    bytes += '\0';
    bytes += static_cast<char>(header.size());
    bytes += '\0';
    return write(name, bytes + header + payload);
  }
  template <typename F>
  static std::string error_of(F&& f) {
    try {
      f();
    } catch (const Error& e) {
      return e.what();
    }
    return "";
  }
  fs::path dir_;
};

TEST_F(FeaturesTest, ItemCovariatesAttachToComparisons) {
  const auto cov = write("cov.csv", "x1,item,x2\n1.5,a,2\n-1,b,0.25\n\n3,c,4\n");
  const ItemCovariates covariates = read_item_covariates(cov);
  EXPECT_EQ(covariates.items, (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_EQ(covariates.table.names, (std::vector<std::string>{"x1", "x2"}));
  EXPECT_EQ(covariates.table.values, (std::vector<double>{1.5, 2, -1, 0.25, 3, 4}));
  const auto data_path = write("d.csv", "model_a,model_b,winner\nc,a,model_a\na,b,tie\n");
  const ComparisonSet set = read_comparisons(data_path);
  const FeatureData data = attach_item_covariates(set, data_path.string(), covariates);
  ASSERT_EQ(data.comparisons.size(), 2u);
  EXPECT_EQ(data.comparisons[0].row_a, 2);
  EXPECT_EQ(data.comparisons[0].row_b, 0);
  EXPECT_EQ(data.comparisons[0].outcome, 1.0);
  EXPECT_EQ(data.comparisons[1].row_b, 1);
  EXPECT_EQ(data.comparisons[1].outcome, 0.5);
}

TEST_F(FeaturesTest, ComparisonNamingAnItemWithoutCovariates) {
  const auto cov = write("cov.csv", "item,x\na,1\nb,2\n");
  const auto data_path = write("d.csv", "model_a,model_b,winner\na,b,model_a\nb,zed,model_b\n");
  const std::string message = error_of([&] {
    attach_item_covariates(read_comparisons(data_path), data_path.string(),
                           read_item_covariates(cov));
  });
  EXPECT_THAT(message, HasSubstr("comparison 1 names item 'zed'"));
  EXPECT_THAT(message, HasSubstr("cov.csv"));
  EXPECT_THAT(message, HasSubstr("d.csv"));
}

TEST_F(FeaturesTest, BadCovariateRowsNameFileAndLine) {
  EXPECT_THAT(error_of([&] { read_item_covariates(write("a.csv", "item,x,y\na,1,2\nb,3\n")); }),
              HasSubstr("a.csv:3: 2 fields, but the header has 3"));
  EXPECT_THAT(error_of([&] { read_item_covariates(write("b.csv", "item,x\na,1\nb,two\n")); }),
              HasSubstr("b.csv:3: column 'x' is 'two', not a number"));
  EXPECT_THAT(error_of([&] { read_item_covariates(write("c.csv", "item,x\na,nan\n")); }),
              HasSubstr("c.csv:2: column 'x' is nan; features must be finite"));
  EXPECT_THAT(error_of([&] { read_item_covariates(write("d.csv", "item,x\na,-inf\n")); }),
              HasSubstr("d.csv:2: column 'x' is -inf"));
  EXPECT_THAT(error_of([&] { read_item_covariates(write("e.csv", "item,x\na,1\na,2\n")); }),
              HasSubstr("e.csv:3: item 'a' already has covariates (line 2)"));
  EXPECT_THAT(error_of([&] { read_item_covariates(write("f.csv", "name,x\na,1\n")); }),
              HasSubstr("no item column 'item'"));
}

TEST_F(FeaturesTest, JsonlCsvAndNpyGiveTheSameData) {
  const auto jsonl = write("p.jsonl",
                           "{\"winner\": \"a\", \"prompt\": \"q1\", \"features_a\": [1, 2], "
                           "\"features_b\": [3, 4.5]}\n"
                           "\n"
                           "{\"winner\": \"tie\", \"prompt\": \"q2\", \"features_a\": [-1, 0], "
                           "\"features_b\": [0.5, 1e-3]}\n");
  const auto csv = write("p.csv",
                         "winner,prompt,a_u,a_v,b_u,b_v\n"
                         "model_a,q1,1,2,3,4.5\n"
                         "tie,q2,-1,0,0.5,1e-3\n");
  const auto labels = write("labels.csv", "winner,prompt\na,q1\ntie,q2\n");
  const auto a_npy = dir_ / "a.npy";
  const auto b_npy = dir_ / "b.npy";
  write_npy_matrix(a_npy, 2, 2, {1, 2, -1, 0});
  write_npy_matrix(b_npy, 2, 2, {3, 4.5, 0.5, 1e-3});
  FeatureReadOptions options;
  options.col_prompt = "prompt";
  const FeatureData from_jsonl = read_feature_comparisons(jsonl, options);
  const FeatureData from_csv = read_feature_comparisons(csv, options);
  const FeatureData from_npy = read_feature_comparisons(labels, options, a_npy, b_npy);
  EXPECT_EQ(from_csv.table.names, (std::vector<std::string>{"u", "v"}));
  for (const FeatureData* data : {&from_jsonl, &from_csv, &from_npy}) {
    EXPECT_EQ(data->table.dim, 2u);
    EXPECT_EQ(data->table.values, (std::vector<double>{1, 2, 3, 4.5, -1, 0, 0.5, 1e-3}));
    ASSERT_EQ(data->comparisons.size(), 2u);
    EXPECT_EQ(data->comparisons[0].outcome, 1.0);
    EXPECT_EQ(data->comparisons[1].outcome, 0.5);
    EXPECT_EQ(data->comparisons[1].row_a, 2);
    EXPECT_EQ(data->comparisons[1].row_b, 3);
    EXPECT_EQ(data->comparisons[1].prompt, 1);
    EXPECT_EQ(data->prompts, (std::vector<std::string>{"q1", "q2"}));
  }
}

TEST_F(FeaturesTest, BadPerComparisonRowsNameFileAndLine) {
  const auto read = [&](const std::string& name, const std::string& text) {
    return error_of([&] { read_feature_comparisons(write(name, text)); });
  };
  EXPECT_THAT(read("r.jsonl",
                   "{\"winner\":\"a\",\"features_a\":[1,2],\"features_b\":[3,4]}\n"
                   "{\"winner\":\"a\",\"features_a\":[1,2,3],\"features_b\":[3,4,5]}\n"),
              HasSubstr("r.jsonl:2: 'features_a' has 3 values, but the first row has 2"));
  EXPECT_THAT(read("s.jsonl", "{\"winner\":\"a\",\"features_a\":[1,\"x\"],\"features_b\":[3,4]}\n"),
              HasSubstr("s.jsonl:1: 'features_a'[1] is \"x\", not a number"));
  EXPECT_THAT(read("t.jsonl", "{\"winner\":\"a\",\"features_a\":[1,2],\"features_b\":[3]}\n"),
              HasSubstr("t.jsonl:1: 'features_b' has 1 values, but the first row has 2"));
  EXPECT_THAT(read("u.jsonl", "{\"winner\":\"c\",\"features_a\":[1],\"features_b\":[3]}\n"),
              HasSubstr("u.jsonl:1: winner column 'winner' is 'c'; accepted: 'a' or 'model_a'"));
  EXPECT_THAT(read("v.jsonl", "{\"winner\":\"a\",\"features_b\":[3]}\n"),
              HasSubstr("v.jsonl:1: no feature key 'features_a'"));
  EXPECT_THAT(read("w.csv", "winner,a_x,b_x\na,1,2\nb,1\n"),
              HasSubstr("w.csv:3: 2 fields, but the header has 3"));
  EXPECT_THAT(read("x.csv", "winner,a_x,b_x\na,1,NaN\n"),
              HasSubstr("x.csv:2: column 'b_x' is NaN; features must be finite"));
  EXPECT_THAT(read("y.csv", "winner,a_x,a_y,b_x\na,1,2,3\n"),
              HasSubstr("must name the same features in the same order: a has x, y, b has x"));
  EXPECT_THAT(read("z.csv", "winner,a_x,b_x\na,1,1e999\n"), HasSubstr("z.csv:2: column 'b_x'"));
  EXPECT_THAT(read("q.txt", "winner,a_x,b_x\n"), HasSubstr("accepted: .csv, .jsonl, .json"));
}

TEST_F(FeaturesTest, NpyFloat32AndVersion2) {
  const float values[] = {1.5f, -2.0f, 0.25f, 8.0f, 3.0f, -0.5f};
  std::string payload(sizeof values, '\0');
  std::memcpy(payload.data(), values, sizeof values);
  const auto path =
      write_npy("f.npy", "{'descr': '<f4', 'fortran_order': False, 'shape': (3, 2), }", payload);
  const NpyMatrix m = read_npy_matrix(path);
  EXPECT_EQ(m.rows, 3u);
  EXPECT_EQ(m.cols, 2u);
  EXPECT_EQ(m.values, (std::vector<double>{1.5, -2.0, 0.25, 8.0, 3.0, -0.5}));
  // Version 2.0: a four-byte header length.
  std::string header = "{'descr': '<f8', 'fortran_order': False, 'shape': (1, 1), }";
  while ((12 + header.size() + 1) % 64 != 0) header += ' ';
  header += '\n';
  std::string bytes = "\x93NUMPY\x02";
  bytes += '\0';
  bytes += static_cast<char>(header.size());
  bytes += std::string(3, '\0');
  const double one = 7.0;
  bytes += header + std::string(reinterpret_cast<const char*>(&one), 8);
  EXPECT_EQ(read_npy_matrix(write("v2.npy", bytes)).values, std::vector<double>{7.0});
}

TEST_F(FeaturesTest, BadNpyFilesAreErrors) {
  const std::string eight(8 * 4, '\0');
  EXPECT_THAT(error_of([&] {
                read_npy_matrix(write_npy(
                    "i.npy", "{'descr': '<i8', 'fortran_order': False, 'shape': (2, 2), }", eight));
              }),
              HasSubstr("i.npy: dtype '<i8'; accepted: float64 ('<f8') or float32 ('<f4')"));
  EXPECT_THAT(
      error_of([&] {
        read_npy_matrix(write_npy(
            "big.npy", "{'descr': '>f8', 'fortran_order': False, 'shape': (2, 2), }", eight));
      }),
      HasSubstr("dtype '>f8'"));
  EXPECT_THAT(error_of([&] {
                read_npy_matrix(write_npy(
                    "s.npy", "{'descr': '<f8', 'fortran_order': False, 'shape': (4,), }", eight));
              }),
              HasSubstr("s.npy: shape (4,); expected a 2-D array"));
  EXPECT_THAT(
      error_of([&] {
        read_npy_matrix(write_npy(
            "t.npy", "{'descr': '<f8', 'fortran_order': False, 'shape': (1, 2, 2), }", eight));
      }),
      HasSubstr("expected a 2-D array"));
  EXPECT_THAT(error_of([&] {
                read_npy_matrix(write_npy(
                    "f.npy", "{'descr': '<f8', 'fortran_order': True, 'shape': (2, 2), }", eight));
              }),
              HasSubstr("Fortran-order"));
  EXPECT_THAT(
      error_of([&] {
        read_npy_matrix(write_npy(
            "short.npy", "{'descr': '<f8', 'fortran_order': False, 'shape': (3, 2), }", eight));
      }),
      HasSubstr("32 bytes of data, but shape (3, 2) of 8-byte values needs 48"));
  EXPECT_THAT(error_of([&] { read_npy_matrix(write("n.npy", "not numpy at all")); }),
              HasSubstr("not a NumPy .npy file"));
  const auto nan_path = dir_ / "nan.npy";
  write_npy_matrix(nan_path, 2, 2, {1, 2, 3, std::numeric_limits<double>::quiet_NaN()});
  EXPECT_THAT(error_of([&] { read_npy_matrix(nan_path); }),
              HasSubstr("nan.npy: value [1, 1] is nan"));
}

TEST_F(FeaturesTest, NpyShapesMustMatchTheDataAndEachOther) {
  const auto labels = write("labels.csv", "winner\na\nb\n");
  write_npy_matrix(dir_ / "a.npy", 2, 3, std::vector<double>(6, 1.0));
  write_npy_matrix(dir_ / "b.npy", 2, 2, std::vector<double>(4, 1.0));
  write_npy_matrix(dir_ / "c.npy", 3, 3, std::vector<double>(9, 1.0));
  EXPECT_THAT(
      error_of([&] { read_feature_comparisons(labels, {}, dir_ / "a.npy", dir_ / "b.npy"); }),
      HasSubstr("a.npy has 3 columns (features) but"));
  EXPECT_THAT(
      error_of([&] { read_feature_comparisons(labels, {}, dir_ / "a.npy", dir_ / "c.npy"); }),
      HasSubstr("c.npy has 3 rows but"));
  EXPECT_THAT(error_of([&] { read_feature_comparisons(labels, {}, dir_ / "a.npy", {}); }),
              HasSubstr("need both files"));
}

}  // namespace
}  // namespace valor::rank
