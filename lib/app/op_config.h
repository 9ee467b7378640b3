// Internal to lib/app: Open Payments client settings from the sidecar's configuration, the same
// for the tip service, the admin page's key test and its wallet lookups.
#pragma once
#include "core/config.h"
#include "core/result.h"
#include "openpayments/client.h"

namespace wm::app {

// Transport rules always (SSRF guard with --op-dev-hosts, --op-timeout); with `with_key` also the
// client identity (client wallet address, key id, the key read from the key file).
// Errors: "invalid_config" for --op-dev-hosts; the key file's own error (e.g. "invalid_key").
Result<openpayments::ClientConfig> op_client_config(const Config& c, bool with_key);

}  // namespace wm::app
