#include "app/op_config.h"

#include "openpayments/keys.h"
#include "net/ssrf.h"

namespace wm::app {

Result<openpayments::ClientConfig> op_client_config(const Config& c, bool with_key) {
  openpayments::ClientConfig cc;
  auto hosts = net::parse_dev_hosts(c.op_dev_hosts);
  if (!hosts) return Error{"invalid_config", "--op-dev-hosts: " + hosts.error().message};
  cc.transport.dev_hosts = *hosts;
  cc.transport.timeout_ms = static_cast<long>(c.op_timeout_s) * 1000;
  if (!with_key) return cc;
  auto key = openpayments::PrivateKey::from_file(c.key_file);
  if (!key) return key.error();
  cc.client_wallet_address = openpayments::wallet_address_url(
      c.client_wallet_address.empty() ? c.wallet_address : c.client_wallet_address);
  cc.key_id = c.key_id;
  cc.key = std::make_shared<const openpayments::PrivateKey>(std::move(*key));
  return cc;
}

}  // namespace wm::app
