// An audit answer as a table, as CSV (RFC 4180) and as JSON (projections/audit.h).
#include <capnp/compat/json.h>
#include <capnp/message.h>

#include <algorithm>

#include "ledger/time_format.h"
#include "projections/audit.h"

namespace caseledger::projections {

namespace {

std::string CheckpointLine(const AuditResult& r) {
  std::string line = "ledger position " + std::to_string(r.position) + "; ";
  if (!r.checkpoint_size) return line + "no signed checkpoint yet";
  line += "newest signed checkpoint: size " + std::to_string(*r.checkpoint_size);
  return line + (*r.checkpoint_size >= r.position ? " (covers every event behind this answer)"
                                                  : " (does not cover the newest events yet)");
}

std::string CsvField(const std::string& s) {
  if (s.find_first_of(",\"\r\n") == std::string::npos) return s;
  std::string out = "\"";
  for (char c : s) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

std::string JoinIds(const std::vector<std::string>& ids) {
  std::string out;
  for (const auto& id : ids) out += (out.empty() ? "" : " ") + id;
  return out;
}

}  // namespace

std::string FormatAuditTable(const AuditResult& in) {
  // One line per row: line breaks inside a cell become spaces.
  AuditResult r = in;
  for (auto& row : r.rows) {
    for (auto& cell : row.cells)
      std::replace_if(
          cell.begin(), cell.end(), [](char c) { return c == '\n' || c == '\r'; }, ' ');
  }
  std::string out = "query " + r.query;
  for (const auto& [k, v] : r.params) out += " " + k + "=" + v;
  out += " as of " + FormatRfc3339(r.as_of) + "\n" + CheckpointLine(r) + "\n\n";
  std::vector<size_t> width(r.columns.size() + 1, 0);
  width[0] = 3;  // "row"
  for (size_t c = 0; c < r.columns.size(); ++c) width[c + 1] = r.columns[c].size();
  for (size_t i = 0; i < r.rows.size(); ++i) {
    width[0] = std::max(width[0], std::to_string(i + 1).size());
    for (size_t c = 0; c < r.columns.size() && c < r.rows[i].cells.size(); ++c) {
      width[c + 1] = std::max(width[c + 1], r.rows[i].cells[c].size());
    }
  }
  auto line = [&](const std::string& first, const std::vector<std::string>& cells) {
    std::string l = first + std::string(width[0] - first.size(), ' ');
    for (size_t c = 0; c < r.columns.size(); ++c) {
      const std::string& cell = c < cells.size() ? cells[c] : std::string();
      l += "  " + cell + std::string(width[c + 1] - std::min(width[c + 1], cell.size()), ' ');
    }
    while (!l.empty() && l.back() == ' ') l.pop_back();
    return l + "\n";
  };
  out += line("row", r.columns);
  for (size_t i = 0; i < r.rows.size(); ++i) out += line(std::to_string(i + 1), r.rows[i].cells);
  out += "\n" + std::to_string(r.rows.size()) + (r.rows.size() == 1 ? " row" : " rows");
  if (r.rows.empty()) return out + "\n";
  // The drill-down: the cases behind a row, and how to open one.
  const AuditRow* example = nullptr;
  for (const auto& row : r.rows) {
    if (!row.case_ids.empty()) {
      example = &row;
      break;
    }
  }
  if (example == nullptr) return out + "\n";
  out += "; the cases behind row N: caseledger query " + r.query + " ... --row N";
  out += "\nopen a case's timeline: caseledger timeline --data DIR --case " +
         example->case_ids.front() + "\n";
  return out;
}

std::string FormatAuditCsv(const AuditResult& r) {
  std::string out;
  for (const auto& c : r.columns) out += CsvField(c) + ",";
  out += "caseIds\r\n";
  for (const auto& row : r.rows) {
    for (size_t c = 0; c < r.columns.size(); ++c) {
      out += CsvField(c < row.cells.size() ? row.cells[c] : std::string()) + ",";
    }
    out += CsvField(JoinIds(row.case_ids)) + "\r\n";
  }
  return out;
}

std::string FormatAuditJson(const AuditResult& r) {
  capnp::MallocMessageBuilder message;
  auto root = message.initRoot<capnp::JsonValue>();
  auto fields = root.initObject(r.checkpoint_size ? 9 : 8);
  unsigned f = 0;
  auto field = [&](const char* name) {
    auto field = fields[f++];
    field.setName(name);
    return field.initValue();
  };
  field("query").setString(r.query);
  auto params = field("params").initObject(static_cast<unsigned>(r.params.size()));
  unsigned p = 0;
  for (const auto& [k, v] : r.params) {
    params[p].setName(k);
    params[p++].initValue().setString(v);
  }
  field("asOf").setString(FormatRfc3339(r.as_of));
  field("position").setNumber(static_cast<double>(r.position));
  if (r.checkpoint_size) {
    field("checkpointSize").setNumber(static_cast<double>(*r.checkpoint_size));
  }
  field("checkpointCovers").setBoolean(r.checkpoint_size && *r.checkpoint_size >= r.position);
  auto columns = field("columns").initArray(static_cast<unsigned>(r.columns.size()));
  for (size_t c = 0; c < r.columns.size(); ++c) columns[c].setString(r.columns[c]);
  auto rows = field("rows").initArray(static_cast<unsigned>(r.rows.size()));
  for (size_t i = 0; i < r.rows.size(); ++i) {
    const auto& row = r.rows[i];
    auto obj = rows[i].initObject(3);
    obj[0].setName("cells");
    auto cells = obj[0].initValue().initArray(static_cast<unsigned>(r.columns.size()));
    obj[1].setName("values");
    auto values = obj[1].initValue().initObject(static_cast<unsigned>(r.columns.size()));
    for (size_t c = 0; c < r.columns.size(); ++c) {
      const std::string cell = c < row.cells.size() ? row.cells[c] : std::string();
      cells[c].setString(cell);
      values[c].setName(r.columns[c]);
      values[c].initValue().setString(cell);
    }
    obj[2].setName("caseIds");
    auto ids = obj[2].initValue().initArray(static_cast<unsigned>(row.case_ids.size()));
    for (size_t k = 0; k < row.case_ids.size(); ++k) ids[k].setString(row.case_ids[k]);
  }
  field("rowCount").setNumber(static_cast<double>(r.rows.size()));
  capnp::JsonCodec codec;
  return std::string(codec.encodeRaw(root.asReader()).cStr());
}

}  // namespace caseledger::projections
