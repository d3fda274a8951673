import { k8s } from 'cdk8s-plus-30';
import { Construct } from 'constructs';
import { RELEASE_TAG } from '../model/builder-contracts';

export interface LocalPathProvisionerProps {
  /** Namespace of the provisioner and of the helper pods it starts. */
  readonly namespace: string;
  /** Tag of rancher/local-path-provisioner, e.g. v0.0.32. */
  readonly version: string;
  /** Folder on every node under which the volumes are created. @default "/opt/local-path-provisioner" */
  readonly nodePath?: string;
  /**
   * Image of the helper pods that create and remove a volume's folder on its node (they run a shell: busybox).
   * @default "busybox:1.36.1"
   */
  readonly helperImage?: string;
  /** @default "local-path" */
  readonly storageClassName?: string;
  /** Mark the StorageClass as the cluster's default. @default false */
  readonly defaultClass?: boolean;
}

const ACCOUNT = 'local-path-provisioner-service-account';
const ROLE = 'local-path-provisioner-role';
const BINDING = 'local-path-provisioner-bind';
const CONFIG = 'local-path-config';
const CONFIG_DIR = '/etc/config/';
const PROVISIONER = 'rancher.io/local-path';

/**
 * Rancher's local-path provisioner: a claim of its StorageClass becomes a folder on the node its pod is scheduled to
 * (binding waits for the pod), created and removed by short-lived helper pods with a hostPath mount. The provisioner
 * itself only talks to the API server, so it runs unprivileged: non-root, read-only root filesystem, no capabilities.
 * RBAC as upstream splits it: pods (the helpers) only in its own namespace, persistent volumes cluster-wide.
 */
export class LocalPathProvisioner extends Construct {
  public static readonly IMAGE = 'rancher/local-path-provisioner';
  /** Labels of the provisioner's pods, for network policy selectors. */
  public readonly podLabels: Readonly<Record<string, string>> = { app: 'local-path-provisioner' };
  public readonly storageClassName: string;
  public readonly deployment: k8s.KubeDeployment;

  constructor(scope: Construct, id: string, props: LocalPathProvisionerProps) {
    super(scope, id);
    if (!RELEASE_TAG.test(props.version)) {
      throw new Error(`LocalPathProvisioner: version "${props.version}" is not an exact local-path-provisioner tag; pin one like v0.0.32`);
    }
    const nodePath = props.nodePath ?? '/opt/local-path-provisioner';
    if (!/^(\/[A-Za-z0-9._-]+)+$/.test(nodePath)) throw new Error(`LocalPathProvisioner: nodePath ${JSON.stringify(nodePath)} must be an absolute folder path like /opt/local-path-provisioner`);
    const helperImage = props.helperImage ?? 'busybox:1.36.1';
    if (!/:[A-Za-z0-9._-]+$|@sha256:[0-9a-f]{64}$/.test(helperImage) || /:latest$/.test(helperImage)) {
      throw new Error(`LocalPathProvisioner: helperImage "${helperImage}" must be pinned to a version tag or digest, e.g. busybox:1.36.1`);
    }
    this.storageClassName = props.storageClassName ?? 'local-path';
    const ns = props.namespace;

    new k8s.KubeServiceAccount(this, 'service-account', { metadata: { name: ACCOUNT, namespace: ns } });
    new k8s.KubeRole(this, 'role', {
      metadata: { name: ROLE, namespace: ns },
      rules: [{ apiGroups: [''], resources: ['pods'], verbs: ['get', 'list', 'watch', 'create', 'patch', 'update', 'delete'] }],
    });
    new k8s.KubeRoleBinding(this, 'role-binding', {
      metadata: { name: BINDING, namespace: ns },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: ROLE },
      subjects: [{ kind: 'ServiceAccount', name: ACCOUNT, namespace: ns }],
    });
    new k8s.KubeClusterRole(this, 'cluster-role', {
      metadata: { name: ROLE },
      rules: [
        { apiGroups: [''], resources: ['nodes', 'persistentvolumeclaims', 'configmaps', 'pods', 'pods/log'], verbs: ['get', 'list', 'watch'] },
        { apiGroups: [''], resources: ['persistentvolumes'], verbs: ['get', 'list', 'watch', 'create', 'patch', 'update', 'delete'] },
        { apiGroups: [''], resources: ['events'], verbs: ['create', 'patch'] },
        { apiGroups: ['storage.k8s.io'], resources: ['storageclasses'], verbs: ['get', 'list', 'watch'] },
      ],
    });
    new k8s.KubeClusterRoleBinding(this, 'cluster-role-binding', {
      metadata: { name: BINDING },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: ROLE },
      subjects: [{ kind: 'ServiceAccount', name: ACCOUNT, namespace: ns }],
    });

    new k8s.KubeConfigMap(this, 'config', {
      metadata: { name: CONFIG, namespace: ns },
      data: {
        'config.json': `${JSON.stringify({ nodePathMap: [{ node: 'DEFAULT_PATH_FOR_NON_LISTED_NODES', paths: [nodePath] }] }, null, 2)}\n`,
        // The provisioner runs these in the helper pod with the volume's folder in VOL_DIR.
        setup: '#!/bin/sh\nset -eu\nmkdir -m 0777 -p "$VOL_DIR"\n',
        teardown: '#!/bin/sh\nset -eu\nrm -rf "$VOL_DIR"\n',
        'helperPod.yaml': [
          'apiVersion: v1',
          'kind: Pod',
          'metadata:',
          '  name: helper-pod',
          'spec:',
          '  priorityClassName: system-node-critical',
          '  tolerations:',
          '    - key: node.kubernetes.io/disk-pressure',
          '      operator: Exists',
          '      effect: NoSchedule',
          '  containers:',
          '    - name: helper-pod',
          `      image: ${helperImage}`,
          '      imagePullPolicy: IfNotPresent',
          '',
        ].join('\n'),
      },
    });

    this.deployment = new k8s.KubeDeployment(this, 'deployment', {
      metadata: { name: 'local-path-provisioner', namespace: ns, labels: { ...this.podLabels } },
      spec: {
        replicas: 1,
        selector: { matchLabels: { ...this.podLabels } },
        template: {
          metadata: { labels: { ...this.podLabels, 'app.kubernetes.io/version': props.version } },
          spec: {
            serviceAccountName: ACCOUNT,
            securityContext: { runAsNonRoot: true, runAsUser: 65534, runAsGroup: 65534, seccompProfile: { type: 'RuntimeDefault' } },
            containers: [
              {
                name: 'local-path-provisioner',
                image: `${LocalPathProvisioner.IMAGE}:${props.version}`,
                imagePullPolicy: 'IfNotPresent',
                command: ['local-path-provisioner', 'start', '--config', `${CONFIG_DIR}config.json`],
                env: [
                  { name: 'POD_NAMESPACE', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
                  // Where the helper pods find setup and teardown: the same ConfigMap, mounted at the same place.
                  { name: 'CONFIG_MOUNT_PATH', value: CONFIG_DIR },
                ],
                securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } },
                resources: {
                  requests: { cpu: k8s.Quantity.fromString('10m'), memory: k8s.Quantity.fromString('32Mi') },
                  limits: { cpu: k8s.Quantity.fromString('100m'), memory: k8s.Quantity.fromString('128Mi') },
                },
                volumeMounts: [
                  { name: 'config-volume', mountPath: CONFIG_DIR, readOnly: true },
                  { name: 'tmp', mountPath: '/tmp' },
                ],
              },
            ],
            volumes: [
              { name: 'config-volume', configMap: { name: CONFIG } },
              { name: 'tmp', emptyDir: {} },
            ],
          },
        },
      },
    });

    // Cluster-scoped.
    new k8s.KubeStorageClass(this, 'storage-class', {
      metadata: {
        name: this.storageClassName,
        ...(props.defaultClass ? { annotations: { 'storageclass.kubernetes.io/is-default-class': 'true' } } : {}),
      },
      provisioner: PROVISIONER,
      // The folder is created on the node the pod lands on, so binding waits for the pod.
      volumeBindingMode: 'WaitForFirstConsumer',
      reclaimPolicy: 'Delete',
    });
  }
}
