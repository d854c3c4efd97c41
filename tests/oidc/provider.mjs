// A real OpenID provider for the tests: panva's oidc-provider (OpenID-certified) with
// its development login and consent pages, a few people with role claims, a client for
// the console's sign-in (authorization code + PKCE) and one for a finance system
// (client credentials), JWT access tokens for the service's audience.
//
//   node provider.mjs <port> <redirect_uri> <audience> <kid>
//
// Each start signs with a new RSA key named <kid>: restarting it with another kid is a
// key rotation. It prints "ready <issuer>" once it listens.
import { generateKeyPairSync } from 'node:crypto';
import Provider from 'oidc-provider';

const [port, redirectUri, audience, kid] = process.argv.slice(2);
const issuer = `http://127.0.0.1:${port}`;

const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const jwk = { ...privateKey.export({ format: 'jwk' }), kid, use: 'sig', alg: 'RS256' };

// People: the login is the account id; any password works (development pages).
const people = {
  claire: { name: 'Claire Martin', email: 'claire@provider.example', roles: ['Account-Managers'] },
  sam: { name: 'Sam Leroy', email: 'sam@provider.example', roles: ['SOC-Leads', 'Everyone'] },
  ada: { name: 'Ada Admin', email: 'ada@provider.example', roles: ['Admins'] },
  visitor: { name: 'Victor Visitor', email: 'victor@provider.example', roles: ['Everyone'] },
};

const configuration = {
  clients: [
    {
      client_id: 'securehands-console',
      client_secret: 'console-secret-for-tests-only',
      redirect_uris: [redirectUri],
      grant_types: ['authorization_code'],
      response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_basic',
    },
    {
      client_id: 'erp',
      client_secret: 'erp-secret-for-tests-only',
      redirect_uris: [],
      grant_types: ['client_credentials'],
      response_types: [],
      token_endpoint_auth_method: 'client_secret_basic',
    },
  ],
  jwks: { keys: [jwk] },
  pkce: { required: () => true },
  claims: { openid: ['sub'], email: ['email'], profile: ['name', 'roles'] },
  conformIdTokenClaims: false,
  features: {
    devInteractions: { enabled: true },
    clientCredentials: { enabled: true },
    resourceIndicators: {
      enabled: true,
      defaultResource: () => audience,
      useGrantedResource: () => true,
      getResourceServerInfo: () => ({
        scope: 'api',
        audience,
        accessTokenFormat: 'jwt',
        jwt: { sign: { alg: 'RS256' } },
      }),
    },
  },
  async findAccount(ctx, id) {
    const person = people[id];
    if (!person) return undefined;
    return { accountId: id, async claims() { return { sub: id, ...person }; } };
  },
  async extraTokenClaims(ctx, token) {
    if (token.kind === 'ClientCredentials') return { roles: ['Finance'] };
    const person = people[token.accountId];
    return person ? { roles: person.roles, name: person.name, email: person.email } : {};
  },
  ttl: { AccessToken: 3600, ClientCredentials: 3600, IdToken: 3600, Interaction: 600, Session: 3600, Grant: 3600 },
};

const provider = new Provider(issuer, configuration);
provider.proxy = false;
provider.listen(Number(port), '127.0.0.1', () => {
  console.log(`ready ${issuer}`);
});
