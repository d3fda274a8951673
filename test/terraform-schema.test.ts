import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { App, DataResource, TerraformIterator, TerraformResource, TerraformStack, TerraformVariable, Token } from '../core/cdktf';
import * as proxmox from '../imports/proxmox';
import {
  assertTerraformDocument,
  checkTerraformDocument,
  loadProxmoxSchema,
  TerraformFinding,
  TerraformSchemaError,
} from '../validate/terraform-schema';

const outdirs: string[] = [];
afterAll(() => {
  for (const dir of outdirs) fs.rmSync(dir, { recursive: true, force: true });
});

type Doc = { [key: string]: any };

interface Built {
  readonly stack: TerraformStack;
  readonly provider: proxmox.provider.ProxmoxProvider;
  readonly vm: proxmox.virtualEnvironmentVm.VirtualEnvironmentVm;
  readonly ha: proxmox.haresource.Haresource;
}

/** A small but realistic stack: provider, cloud image, cloud-init snippet, one VM, HA, node firewall rules. */
function buildValid(stack: TerraformStack): Built {
  const provider = new proxmox.provider.ProxmoxProvider(stack, 'pve', {
    endpoint: 'https://10.0.0.11:8006/',
    ssh: [{ agent: true, username: 'root', nodeAttribute: [{ name: 'pve1', address: '10.0.0.11' }] }],
  });
  const memory = new TerraformVariable(stack, 'control_memory_mib', { type: 'number', default: 8192 });
  const image = new proxmox.downloadFile.DownloadFile(stack, 'ubuntu-2404', {
    nodeName: 'pve1',
    datastoreId: 'local',
    contentType: 'import',
    url: 'https://cloud-images.ubuntu.com/releases/24.04/release/ubuntu-24.04-server-cloudimg-amd64.img',
    fileName: 'ubuntu-24.04-server-cloudimg-amd64.qcow2',
  });
  const userData = new proxmox.virtualEnvironmentFile.VirtualEnvironmentFile(stack, 'k8s-control-1-user-data', {
    nodeName: 'pve1',
    datastoreId: 'local',
    contentType: 'snippets',
    sourceRaw: { data: '#cloud-config\npackage_update: true\n', fileName: 'k8s-control-1-user-data.yaml' },
  });
  const unset = Token.nullValue();
  const vm = new proxmox.virtualEnvironmentVm.VirtualEnvironmentVm(stack, 'k8s-control-1', {
    nodeName: 'pve1',
    name: 'k8s-control-1',
    vmId: 201,
    tags: ['k8s', 'control-plane'],
    agent: { enabled: true },
    cpu: { cores: 4, type: 'host' },
    // An expression is accepted wherever a number is expected.
    memory: { dedicated: memory.numberValue },
    disk: [{ interface: 'scsi0', datastoreId: 'local-lvm', importFromAttribute: image.id, size: 64, discard: 'on', ssd: true }],
    // network_device is an object-typed attribute: every field must be present, null when unused.
    networkDevice: [
      {
        bridge: 'vmbr0',
        vlanId: 10,
        model: 'virtio',
        firewall: true,
        disconnected: unset,
        enabled: unset,
        macAddress: Token.asString(unset),
        mtu: Token.asNumber(unset),
        queues: Token.asNumber(unset),
        rateLimit: Token.asNumber(unset),
        trunks: Token.asString(unset),
      },
    ],
    initialization: {
      datastoreId: 'local-lvm',
      userDataFileId: userData.id,
      ipConfig: [{ ipv4: { address: '10.0.10.21/24', gateway: '10.0.10.1' } }],
    },
    lifecycle: { ignoreChanges: ['tags'] },
  });
  const ha = new proxmox.haresource.Haresource(stack, 'k8s-control-1-ha', {
    resourceId: `vm:${Token.asString(vm.vmId)}`,
    state: 'started',
  });
  const nodes = TerraformIterator.fromList(['pve1', 'pve2', 'pve3']);
  new proxmox.virtualEnvironmentFirewallRules.VirtualEnvironmentFirewallRules(stack, 'node-rules', {
    forEach: nodes,
    nodeName: nodes.value,
    rule: [
      { type: 'in', action: 'ACCEPT', proto: 'tcp', dport: '8006', source: '10.0.0.0/8', comment: 'PVE web UI' },
      { type: 'in', action: 'ACCEPT', proto: 'tcp', dport: '22', source: '10.0.0.0/8', comment: 'SSH' },
    ],
  });
  new DataResource(stack, 'control-plane-ready', { input: { ips: vm.ipv4Addresses }, triggersReplace: { vmId: vm.id } });
  return { stack, provider, vm, ha };
}

function synth(build: (stack: TerraformStack) => void = buildValid): Doc {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'terraform-schema-test-'));
  outdirs.push(outdir);
  const stack = new TerraformStack(new App({ outdir }), 'test');
  build(stack);
  stack.prepareStack();
  return stack.toTerraform() as Doc;
}

function errors(doc: Doc): TerraformFinding[] {
  return checkTerraformDocument(doc).filter((f) => f.severity === 'error');
}

const VM = 'resource.proxmox_virtual_environment_vm.k8s-control-1';

describe('checkTerraformDocument', () => {
  it('accepts a valid VM stack', () => {
    const doc = synth();
    expect(checkTerraformDocument(doc)).toEqual([]);
    expect(() => assertTerraformDocument(doc)).not.toThrow();
  });

  it('pins bpg/proxmox 0.111.1 in required_providers through the generated provider', () => {
    const doc = synth();
    expect(doc.terraform.required_providers.proxmox).toEqual({ source: 'registry.terraform.io/bpg/proxmox', version: '0.111.1' });
    expect(loadProxmoxSchema().provider_versions).toEqual({ 'registry.terraform.io/bpg/proxmox': '0.111.1' });
  });

  it('fails when an attribute name is unknown', () => {
    const doc = synth((stack) => {
      const { vm } = buildValid(stack);
      vm.addOverride('cpu_cores', 4);
      vm.addOverride('cpu.core', 4);
    });
    const found = errors(doc);
    expect(found).toHaveLength(2);
    expect(found[0]).toMatchObject({ path: `${VM}.cpu_cores`, problem: expect.stringContaining('unknown attribute') });
    expect(found[1]).toMatchObject({ path: `${VM}.cpu[0].core`, fix: 'did you mean "cores"?' });
  });

  it('fails when an attribute has the wrong type', () => {
    const doc = synth((stack) => {
      const { vm } = buildValid(stack);
      vm.addOverride('cpu.cores', 'four');
      vm.addOverride('tags', 'k8s');
      vm.addOverride('on_boot', 1);
    });
    expect(errors(doc).map((f) => [f.path, f.problem])).toEqual([
      [`${VM}.on_boot`, 'expected bool, got number 1.'],
      [`${VM}.tags`, 'expected list(string), got string "k8s".'],
      [`${VM}.cpu[0].cores`, 'expected number, got string "four".'],
    ]);
  });

  it('fails when a required attribute is missing', () => {
    const doc = synth((stack) => {
      const { vm } = buildValid(stack);
      vm.addOverride('node_name', null);
      new proxmox.hardwareMappingPci.HardwareMappingPci(stack, 'gpu', {
        name: 'gpu',
        map: [{ id: '10de:2204', nodeAttribute: Token.asString(Token.nullValue()), path: '0000:01:00.0' }],
      });
    });
    expect(errors(doc).map((f) => [f.path, f.problem])).toEqual([
      [`${VM}.node_name`, 'required attribute "node_name" is null.'],
      ['resource.proxmox_hardware_mapping_pci.gpu.map[0].node', 'required attribute "node" is null.'],
    ]);
  });

  it('fails when a computed-only attribute is set', () => {
    const doc = synth((stack) => buildValid(stack).vm.addOverride('ipv4_addresses', [['10.0.10.21']]));
    expect(errors(doc)).toEqual([expect.objectContaining({ path: `${VM}.ipv4_addresses`, problem: expect.stringContaining('read-only') })]);
  });

  it('fails when a nested block has too many items', () => {
    const doc = synth((stack) => {
      buildValid(stack);
      // The bindings do not enforce max_items; VM initialization.ip_config allows 8.
      new proxmox.virtualEnvironmentVm.VirtualEnvironmentVm(stack, 'k8s-worker-1', {
        nodeName: 'pve1',
        initialization: { ipConfig: Array.from({ length: 9 }, (_, i) => ({ ipv4: { address: `10.0.${i}.31/24` } })) },
      });
    });
    expect(errors(doc)).toEqual([
      expect.objectContaining({
        path: 'resource.proxmox_virtual_environment_vm.k8s-worker-1.initialization[0].ip_config',
        problem: 'has 9 blocks; at most 8 allowed.',
      }),
    ]);
  });

  it('fails when an object-typed attribute lists only some fields', () => {
    const doc = synth((stack) => {
      buildValid(stack);
      // What the generated bindings emit when only the used fields are given.
      new proxmox.virtualEnvironmentVm.VirtualEnvironmentVm(stack, 'k8s-worker-1', {
        nodeName: 'pve1',
        networkDevice: [{ bridge: 'vmbr0', vlanId: 10 }],
      });
    });
    const found = errors(doc);
    expect(found).toHaveLength(1);
    expect(found[0].path).toBe('resource.proxmox_virtual_environment_vm.k8s-worker-1.network_device[0]');
    expect(found[0].problem).toContain('"disconnected", "enabled", "firewall", "mac_address", "model", "mtu", "queues", "rate_limit", "trunks"');
    expect(found[0].fix).toContain('null');
  });

  it('fails when a reference points at an undeclared resource, data source or variable', () => {
    const doc = synth((stack) => {
      const { ha } = buildValid(stack);
      ha.addOverride('resource_id', 'vm:${proxmox_virtual_environment_vm.k8s-control-2.vm_id}');
      ha.addOverride('comment', '${data.proxmox_virtual_environment_nodes.all.names[0]} ${var.site_name}');
      ha.addOverride('max_restart', '${proxmox_virtual_environment_vm.k8s-control-1.no_such_attribute}');
    });
    const HA = 'resource.proxmox_haresource.k8s-control-1-ha';
    const found = errors(doc);
    expect(found.map((f) => [f.path, f.problem])).toEqual([
      [`${HA}.comment`, 'references data.proxmox_virtual_environment_nodes.all, which is not declared.'],
      [`${HA}.comment`, 'references var.site_name, which is not declared.'],
      [`${HA}.max_restart`, 'references proxmox_virtual_environment_vm.k8s-control-1.no_such_attribute, but that type has no attribute "no_such_attribute".'],
      [`${HA}.resource_id`, 'references proxmox_virtual_environment_vm.k8s-control-2, which is not declared.'],
    ]);
    expect(found[3].fix).toBe('did you mean "k8s-control-1"?');
  });

  it('fails when a reference in a long text, past shell variables, escaped $${ and %{ directives, is undeclared', () => {
    const doc = synth((stack) => {
      const { ha } = buildValid(stack);
      const script = 'echo "$HOME" $$PATH 100% done; printf %s "${HOME}"\n'.repeat(500);
      ha.addOverride('comment', `${script}$\${var.escaped} %{ if var.in_directive != "" }x%{ endif } \${var.at_the_end}`);
      ha.addOverride('state', `${script}\${var.unterminated`);
    });
    const HA = 'resource.proxmox_haresource.k8s-control-1-ha';
    expect(errors(doc).map((f) => [f.path, f.problem])).toEqual([
      [`${HA}.comment`, 'references var.in_directive, which is not declared.'],
      [`${HA}.comment`, 'references var.at_the_end, which is not declared.'],
      [`${HA}.state`, expect.stringContaining('unterminated "${"')],
    ]);
  });

  it('fails when a resource type is unknown', () => {
    const doc = synth((stack) => {
      buildValid(stack);
      new TerraformResource(stack, 'typo', { terraformResourceType: 'proxmox_virtual_environment_vms' });
    });
    expect(errors(doc)).toEqual([
      expect.objectContaining({
        path: 'resource.proxmox_virtual_environment_vms.typo',
        problem: 'unknown resource type "proxmox_virtual_environment_vms" (not in imports/schemas/terraform).',
        fix: expect.stringContaining('did you mean "proxmox_virtual_environment_vm"?'),
      }),
    ]);
  });

  it('fails when terraform_data gets an argument it does not have', () => {
    const doc = synth((stack) => {
      buildValid(stack);
      new DataResource(stack, 'marker', { input: { note: 'x' } }).addOverride('triggers', ['y']);
    });
    expect(errors(doc)).toEqual([expect.objectContaining({ path: 'resource.terraform_data.marker.triggers' })]);
  });

  it('fails when a provider ssh node lacks its address', () => {
    const doc = synth((stack) => {
      const { provider } = buildValid(stack);
      // Overrides append to arrays; drop the typed block first so the override replaces it.
      provider.resetSsh();
      provider.addOverride('ssh', [{ agent: true, node: [{ name: 'pve1' }] }]);
    });
    expect(errors(doc)).toEqual([
      expect.objectContaining({ path: 'provider.proxmox[0].ssh[0].node[0].address', problem: 'required attribute "address" is missing.' }),
    ]);
  });

  it('fails when required_providers pins another provider version', () => {
    const doc = synth((stack) => {
      buildValid(stack);
      stack.addOverride('terraform.required_providers.proxmox.version', '0.70.0');
    });
    expect(errors(doc)).toEqual([
      expect.objectContaining({ path: 'terraform.required_providers.proxmox.version', problem: expect.stringContaining('are for 0.111.1') }),
    ]);
  });

  it('fails when no provider maps "proxmox" to bpg/proxmox', () => {
    const doc = synth((stack) => {
      new proxmox.networkLinuxBridge.NetworkLinuxBridge(stack, 'vmbr1', { nodeName: 'pve1', name: 'vmbr1', vlanAware: true });
    });
    expect(errors(doc)).toEqual([
      expect.objectContaining({ path: 'resource.proxmox_network_linux_bridge.vmbr1', problem: expect.stringContaining('resolves to hashicorp/proxmox') }),
    ]);
  });

  it('fails when depends_on uses a template instead of a bare reference', () => {
    const doc = synth((stack) => buildValid(stack).ha.addOverride('depends_on', ['${proxmox_virtual_environment_vm.k8s-control-1}']));
    expect(errors(doc)).toEqual([expect.objectContaining({ path: 'resource.proxmox_haresource.k8s-control-1-ha.depends_on[0]' })]);
  });

  it('fails when each.value is used without for_each', () => {
    const doc = synth((stack) => buildValid(stack).ha.addOverride('comment', '${each.value}'));
    expect(errors(doc)).toEqual([expect.objectContaining({ path: 'resource.proxmox_haresource.k8s-control-1-ha.comment' })]);
  });

  it('throws a message naming the path, the problem and the fix', () => {
    const doc = synth((stack) => buildValid(stack).vm.addOverride('cpu.cores', 'four'));
    expect(() => assertTerraformDocument(doc)).toThrow(TerraformSchemaError);
    expect(() => assertTerraformDocument(doc)).toThrow(`${VM}.cpu[0].cores: expected number, got string "four". Fix: set a number value`);
  });

  it('accepts a ~50-resource document', () => {
    const doc = synth((stack) => {
      buildValid(stack);
      for (let i = 0; i < 48; i++) {
        new proxmox.networkLinuxVlan.NetworkLinuxVlan(stack, `vlan-${i}`, { nodeName: 'pve1', name: `vmbr0.${100 + i}`, comment: `vlan ${i}` });
      }
    });
    // Speed is measured outside the suite (vitest.config.ts: never asserted in tests); here only the result counts.
    expect(Object.keys(doc.resource.proxmox_network_linux_vlan)).toHaveLength(48);
    expect(checkTerraformDocument(doc)).toEqual([]);
  });
});
