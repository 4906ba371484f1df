#include "tools/synthetic.h"
namespace caseledger::synthetic {
Result<schema::Jurisdiction> ParseJurisdiction(std::string_view) { return Status::InvalidArgument("not yet"); }
Result<Summary> GenerateInto(const std::string&, const GeneratorOptions&) { return Status::InvalidArgument("not yet"); }
}
