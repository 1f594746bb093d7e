/**
 * The Bicep check fails on each kind of fault: every case plants one fault in a temporary copy of
 * infra/ and expects exactly one finding, of that kind, naming the file, the line and the path.
 */
import { describe, it, expect, afterAll } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { SETTING_DOCS, SETTING_NAMES } from '../../shared/config.js';
import {
  checkAppSettings,
  checkInfra,
  formatFinding,
  loadInfra,
  TypeLibrary,
  type Finding,
  type FindingKind,
} from './bicep-checker.js';

const root = path.resolve(import.meta.dirname, '../..');
const lib = TypeLibrary.load();
const temp = fs.mkdtempSync(path.join(os.tmpdir(), 'bicep-faults-'));
afterAll(() => fs.rmSync(temp, { recursive: true, force: true }));

interface Fault {
  name: string;
  kind: FindingKind;
  /** Under infra/. */
  file: string;
  from: string;
  to: string;
  path: string;
  /** A text on the line the finding must name, searched for after `after` in the planted file. */
  line: string;
  after?: string;
  /** A part of the message. */
  says: string;
}

/** A copy of infra/ with one edit; the edited text must occur exactly once. */
function plant(fault: { file: string; from: string; to: string }): string {
  const dir = fs.mkdtempSync(path.join(temp, 'infra-'));
  const infra = path.join(dir, 'infra');
  fs.cpSync(path.join(root, 'infra'), infra, { recursive: true });
  const file = path.join(infra, fault.file);
  const text = fs.readFileSync(file, 'utf8');
  expect(text.split(fault.from).length - 1, `${fault.file} has ${JSON.stringify(fault.from)} once`).toBe(1);
  fs.writeFileSync(file, text.replace(fault.from, fault.to));
  return infra;
}

function lineOf(infra: string, file: string, needle: string, after = ''): number {
  const text = fs.readFileSync(path.join(infra, file), 'utf8');
  const start = text.indexOf(after);
  const at = text.indexOf(needle, start < 0 ? 0 : start);
  expect(at, `${needle} in ${file}`).toBeGreaterThanOrEqual(0);
  return text.slice(0, at).split('\n').length;
}

function findingsOf(infra: string): Finding[] {
  const files = loadInfra(infra);
  return [...checkInfra(files, lib).findings, ...checkAppSettings(files, SETTING_DOCS, SETTING_NAMES)];
}

const FAULTS: Fault[] = [
  {
    name: 'a wrong resource type name',
    kind: 'type',
    file: 'modules/storage.bicep',
    from: "resource account 'Microsoft.Storage/storageAccounts@2023-05-01'",
    to: "resource account 'Microsoft.Storage/storageAcounts@2023-05-01'",
    path: 'account',
    line: 'resource account',
    says: 'did you mean Microsoft.Storage/storageAccounts',
  },
  {
    name: 'an api-version that does not exist',
    kind: 'api-version',
    file: 'modules/servicebus.bicep',
    from: "resource namespace 'Microsoft.ServiceBus/namespaces@2024-01-01'",
    to: "resource namespace 'Microsoft.ServiceBus/namespaces@2024-13-01'",
    path: 'namespace',
    line: 'resource namespace',
    says: 'has no api-version 2024-13-01',
  },
  {
    name: 'a misspelt property',
    kind: 'property',
    file: 'modules/servicebus.bicep',
    from: 'requiresSession: true',
    to: 'requireSession: true',
    path: 'groupJobs.properties.requireSession',
    line: 'requireSession',
    says: 'did you mean requiresSession',
  },
  {
    name: 'an enum value the definition does not allow',
    kind: 'enum',
    file: 'modules/storage.bicep',
    from: "accessTier: 'Hot'",
    to: "accessTier: 'Warm'",
    path: 'account.properties.accessTier',
    line: 'accessTier',
    says: "'Hot', 'Cool', 'Premium', 'Cold'",
  },
  {
    name: 'a discriminator value the definition does not know',
    kind: 'enum',
    file: 'modules/gallery-events.bicep',
    from: "endpointType: 'AzureFunction'",
    to: "endpointType: 'AzureFunctions'",
    path: 'galleryEvents.properties.destination.endpointType',
    line: 'endpointType',
    says: "'AzureFunctions' is not a kind of EventSubscriptionDestination",
  },
  {
    name: 'a missing required property',
    kind: 'required',
    file: 'modules/source-subscription.bicep',
    from: "    principalId: appPrincipalId\n    principalType: 'ServicePrincipal'\n    description:",
    to: "    principalType: 'ServicePrincipal'\n    description:",
    path: 'armReader.properties.principalId',
    line: 'properties: {',
    after: 'resource armReader',
    says: 'requires principalId',
  },
  {
    name: 'a read-only property written',
    kind: 'read-only',
    file: 'modules/servicebus.bicep',
    from: "    minimumTlsVersion: '1.2'\n",
    to: "    minimumTlsVersion: '1.2'\n    provisioningState: 'Succeeded'\n",
    path: 'namespace.properties.provisioningState',
    line: 'provisioningState',
    says: 'read-only',
  },
  {
    name: 'a role definition id that is no built-in role',
    kind: 'role',
    file: 'modules/source-subscription.bicep',
    from: "var readerRoleId = 'acdd72a7-3385-48ef-bd42-f606fba81ae7' // Reader",
    to: "var readerRoleId = 'acdd72a7-3385-48ef-bd42-f606fba81ae8' // Reader",
    path: 'armReader.properties.roleDefinitionId',
    line: 'roleDefinitionId',
    says: 'acdd72a7-3385-48ef-bd42-f606fba81ae8 is no built-in role',
  },
  {
    name: 'a role id whose comment names another role',
    kind: 'role',
    file: 'modules/dead-letter-access.bicep',
    from: "'ba92f5b4-2d11-453d-a403-e96b0029c9fe' // Storage Blob Data Contributor",
    to: "'b7e6dc6d-f1e8-4753-8033-0f276bb0955b' // Storage Blob Data Contributor",
    path: 'deadLetterWriter.properties.roleDefinitionId',
    line: 'roleDefinitionId',
    says: 'that id is Storage Blob Data Owner',
  },
  {
    name: 'a module parameter the module does not declare',
    kind: 'module',
    file: 'main.bicep',
    from: '    principalId: identity.outputs.principalId\n',
    to: "    principalId: identity.outputs.principalId\n    principalType: 'ServicePrincipal'\n",
    path: 'appRoles.params.principalType',
    line: 'principalType',
    says: 'infra/modules/app-roles.bicep declares no parameter principalType',
  },
  {
    name: 'a required module parameter left out',
    kind: 'module',
    file: 'main.bicep',
    from: '    catalogTablePrefix: catalogTablePrefix\n',
    to: '',
    path: 'functionApp.params.catalogTablePrefix',
    line: 'params: {',
    after: 'module functionApp',
    says: 'infra/modules/function-app.bicep requires the parameter catalogTablePrefix',
  },
  {
    name: 'a module output that does not exist',
    kind: 'module',
    file: 'main.bicep',
    from: 'storageBlobEndpoint: storage.outputs.blobEndpoint\n',
    to: 'storageBlobEndpoint: storage.outputs.blobEndpointUrl\n',
    path: 'storage.outputs.blobEndpointUrl',
    line: 'blobEndpointUrl',
    says: 'infra/modules/storage.bicep has no output blobEndpointUrl',
  },
  {
    name: 'an app setting shared/config.ts requires in Azure, left out',
    kind: 'app-setting',
    file: 'modules/function-app.bicep',
    from: "        {\n          name: 'CatalogStorage__clientId'\n          value: identityClientId\n        }\n",
    to: '',
    path: 'site.properties.siteConfig.appSettings',
    line: 'appSettings: [',
    says: "CatalogStorage__clientId is missing: shared/config.ts requires it in Azure (azure: 'set')",
  },
  {
    name: 'an app setting the code does not read',
    kind: 'app-setting',
    file: 'modules/function-app.bicep',
    from: "name: 'CATALOG_TABLE_PREFIX'",
    to: "name: 'CATALOG_TABLES_PREFIX'",
    path: 'site.properties.siteConfig.appSettings[8]',
    line: '{',
    after: "name: 'CatalogStorage__clientId'\n          value: identityClientId\n        }\n",
    says: 'CATALOG_TABLES_PREFIX is read by neither',
  },
];

describe('the Bicep check fails on a planted fault, naming file, line and path', () => {
  it('finds nothing in infra/ as it is', () => {
    expect(findingsOf(path.join(root, 'infra')).map(formatFinding)).toEqual([]);
  });

  it.each(FAULTS)('$name', (fault) => {
    const infra = plant(fault);
    const findings = findingsOf(infra);
    const line = lineOf(infra, fault.file, fault.line, fault.after);
    expect(findings.map(formatFinding)).toEqual([
      expect.stringContaining(`infra/${fault.file}:${line} ${fault.path}: `),
    ]);
    expect(findings[0]).toMatchObject({ kind: fault.kind, file: `infra/${fault.file}`, line, path: fault.path });
    expect(findings[0]?.message).toContain(fault.says);
  });
});

describe('the Bicep reader and check on forms infra/ does not use yet', () => {
  function check(source: string, name = 'extra.bicep'): { findings: string[]; resources: number } {
    const infra = fs.mkdtempSync(path.join(temp, 'infra-'));
    fs.writeFileSync(path.join(infra, name), source);
    const report = checkInfra(loadInfra(infra), lib);
    return { findings: report.findings.map(formatFinding), resources: report.resources };
  }

  const nested = (publicAccess: string) => `
@description('A storage account with its blob service and a container declared inside it.')
resource account 'Microsoft.Storage/storageAccounts@2023-05-01' = {
  name: 'stnested'
  location: 'westeurope'
  kind: 'StorageV2'
  sku: { name: 'Standard_LRS' }
  properties: {
    /* multi-line
       comment */
    minimumTlsVersion: 'TLS1_2'
  }

  resource blobs 'blobServices' = {
    name: 'default'

    resource container 'containers@2023-05-01' = {
      name: '${'${'}toLower('Logs')}-${'${'}'x'}'
      properties: {
        publicAccess: '${publicAccess}'
        metadata: {
          'owner-team': '''
multi-line
'''
        }
      }
    }
  }
}
`;

  it('resolves nested child resources (relative types, inherited api-versions) and checks them', () => {
    expect(check(nested('None'))).toEqual({ findings: [], resources: 3 });
    expect(check(nested('Public')).findings).toEqual([
      expect.stringMatching(
        /^infra\/extra\.bicep:20 account::blobs::container\.properties\.publicAccess: 'Public' is not a value the definition allows/,
      ),
    ]);
  });

  it('refuses properties on an existing reference, a parent of another type, and a type at a scope it cannot be deployed at', () => {
    const { findings } = check(`
resource account 'Microsoft.Storage/storageAccounts@2023-05-01' existing = {
  name: 'st'
  location: 'westeurope'
}

resource namespace 'Microsoft.ServiceBus/namespaces@2024-01-01' existing = {
  name: 'sb'
}

resource container 'Microsoft.Storage/storageAccounts/blobServices/containers@2023-05-01' = {
  parent: namespace
  name: 'logs'
}

resource group 'Microsoft.Resources/resourceGroups@2024-03-01' = {
  name: 'rg-x'
  location: 'westeurope'
}
`);
    expect(findings).toEqual([
      expect.stringMatching(
        /^infra\/extra\.bicep:4 account\.location: an existing resource takes only name, scope and parent/,
      ),
      expect.stringMatching(
        /^infra\/extra\.bicep:12 container\.parent: namespace is a Microsoft\.ServiceBus\/namespaces, not the parent type/,
      ),
      expect.stringMatching(
        /^infra\/extra\.bicep:16 group: Microsoft\.Resources\/resourceGroups cannot be deployed at the ResourceGroup scope; its definition allows Subscription/,
      ),
    ]);
  });

  it('names the file, line and column of what it cannot read', () => {
    expect(() => check("resource x 'Microsoft.Storage/storageAccounts@2023-05-01' = {\n  name: 'a' 'b'\n}\n")).toThrow(
      /^infra\/extra\.bicep:2:13 expected a line break, a comma or \}/,
    );
  });
});
