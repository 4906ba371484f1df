// Audit queries: named, parameterised questions about many cases, for ombudspersons and
// oversight bodies (shared/domain/obligations.md section 5; docs/audit.md lists each question,
// the query that answers it, its parameters and columns, and why a question is not answerable).
//
// The queries read the audit facts the projection store keeps per case (audit_facts.h), loaded
// into memory once per projection position, so a query is one pass over small records;
// statuses as of a time are computed from the recorded times at query time. "Who accessed a
// child's record" reads the case's access stream in the ledger instead.
//
// Every answer names the projection position it reflects; rows carry the case ids behind them,
// so that a reader can open each case's timeline (`caseledger timeline --case ID`).
//
// Thread-safe: queries only read.
#ifndef CASELEDGER_PROJECTIONS_AUDIT_H_
#define CASELEDGER_PROJECTIONS_AUDIT_H_

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "ledger/status.h"

namespace caseledger {

class Ledger;

namespace projections {

class ProjectionStore;

struct AuditParamInfo {
  std::string name;           // "hours"
  std::string description;    // one line
  std::string default_value;  // "" when the parameter is optional with no default
  bool required = false;
};

struct AuditQueryInfo {
  std::string name;      // "representative_wait"
  std::string question;  // "5.1": obligations.md section 5, item 1
  std::string summary;   // one line
  std::vector<AuditParamInfo> params;
  std::vector<std::string> columns;
};

// Every named query, in question order.
std::vector<AuditQueryInfo> AuditQueries();

struct AuditRequest {
  std::string name;
  std::map<std::string, std::string> params;  // name -> value as text
  std::optional<int64_t> as_of;               // microseconds since the epoch; default now
  // How fresh the answer must be: with a value, facts already loaded at a position >= it are
  // reused even when the projections have moved on since (the answer names the position it
  // reflects); without one, the facts are reloaded whenever the projections moved. Loading
  // costs a pass over every case (docs/audit.md), so a server under appends passes the
  // client's freshness floor here.
  std::optional<uint64_t> min_position;
};

struct AuditRow {
  std::vector<std::string> cells;     // one per column
  std::vector<std::string> case_ids;  // the cases behind the row, sorted
};

struct AuditResult {
  std::string query;
  std::map<std::string, std::string> params;  // as validated, defaults filled in
  int64_t as_of = 0;
  uint64_t position = 0;  // the projection position the answer reflects
  // The newest signed checkpoint of the ledger when the answer was computed (its tree size),
  // unset when the ledger has none yet. It covers the answer when its size >= position: every
  // event behind the answer is then in a signed tree, and `caseledger prove-inclusion` can
  // show each one.
  std::optional<uint64_t> checkpoint_size;
  std::vector<std::string> columns;
  std::vector<AuditRow> rows;
};

// Runs a named query. InvalidArgument (with a message naming the query, parameter and what is
// accepted) for an unknown query, an unknown parameter, a missing required one or a bad value;
// otherwise what reading the store or the ledger returned.
Result<AuditResult> RunAuditQuery(const ProjectionStore& store, const Ledger& ledger,
                                  const AuditRequest& request);

// The streams whose events stand behind an answer, sorted and unique: the cases its rows name,
// and for `record_access` (which reads them) also those cases' access streams
// ("access:<case>") that exist. What `--with-proofs` bundles.
std::vector<std::string> StreamsBehind(const Ledger& ledger, const AuditResult& result);

// The answer as a readable table ending with how to open a row's cases, as CSV (RFC 4180:
// a header line, CRLF line ends, fields quoted when they hold a comma, quote or line break,
// and a last column "caseIds" with the ids separated by spaces), and as one JSON object:
// {"query","params","asOf","position","columns","rows":[{"cells":[...],"values":{col:cell},
// "caseIds":[...]}]}.
std::string FormatAuditTable(const AuditResult& result);
std::string FormatAuditCsv(const AuditResult& result);
std::string FormatAuditJson(const AuditResult& result);

}  // namespace projections
}  // namespace caseledger

#endif  // CASELEDGER_PROJECTIONS_AUDIT_H_
