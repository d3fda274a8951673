import { Construct } from 'constructs';
import * as eso from '../imports/k8s-crds/external-secrets.io';

/** One key of the Secret, read from the store. */
export interface SyncedSecretKey {
  /** Key in the Kubernetes Secret. */
  readonly secretKey: string;
  /** Entry in the store: a Secret name in the store namespace (kubernetes backend) or a path (Vault). */
  readonly remoteKey: string;
  /**
   * Field of that entry.
   * @default - the whole entry
   */
  readonly property?: string;
}

export interface SyncedSecretProps {
  readonly name: string;
  readonly namespace: string;
  /** ClusterSecretStore the values come from. */
  readonly store: string;
  /** Keys fetched from the store. At least one: a Secret with nothing secret in it belongs in a ConfigMap. */
  readonly keys: readonly SyncedSecretKey[];
  /**
   * Secret type, for consumers that check it (Rook reads `kubernetes.io/rook`).
   * @default - "Opaque"
   */
  readonly type?: string;
  /**
   * Entries rendered by External Secrets into the Secret: literal, non-secret values (a user name, a cluster name) or
   * Go templates over the fetched keys (`{{ .secretKey }}`), e.g. to assemble a credentials file. Fetched keys that
   * no template consumes are kept.
   * @default - none: the Secret holds exactly the fetched keys
   */
  readonly template?: Readonly<Record<string, string>>;
  /**
   * Labels External Secrets puts on the Secret (e.g. argocd.argoproj.io/secret-type: cluster, which makes it an Argo CD
   * cluster registration).
   * @default - none
   */
  readonly secretLabels?: Readonly<Record<string, string>>;
  /**
   * Annotations of the ExternalSecret itself (e.g. that its key reaches the store only after the bootstrap).
   * @default - none
   */
  readonly annotations?: Readonly<Record<string, string>>;
  /**
   * How often the Secret is refreshed from the store.
   * @default "1h"
   */
  readonly refreshInterval?: string;
}

/**
 * A Secret that exists only in the cluster: External Secrets creates it from the site's secret store, so the manifest
 * carries references and never a key. Every add-on credential (Ceph keys, S3 keys, admin passwords) goes through here.
 */
export class SyncedSecret extends Construct {
  public readonly name: string;
  public readonly namespace: string;
  public readonly apiObject: eso.ExternalSecret;

  constructor(scope: Construct, id: string, props: SyncedSecretProps) {
    super(scope, id);
    if (props.keys.length === 0) {
      throw new Error(`SyncedSecret ${props.namespace}/${props.name}: keys is empty; list the keys to fetch from store "${props.store}", or use a ConfigMap for non-secret data`);
    }
    const seen = new Set<string>();
    for (const k of props.keys) {
      if (seen.has(k.secretKey)) throw new Error(`SyncedSecret ${props.namespace}/${props.name}: key "${k.secretKey}" is listed twice; give each secretKey once`);
      seen.add(k.secretKey);
    }
    this.name = props.name;
    this.namespace = props.namespace;
    const template = props.template ?? {};
    const labels = props.secretLabels ?? {};
    const needsTemplate = props.type !== undefined || Object.keys(template).length > 0 || Object.keys(labels).length > 0;
    this.apiObject = new eso.ExternalSecret(this, 'Resource', {
      metadata: { name: props.name, namespace: props.namespace, ...(props.annotations ? { annotations: { ...props.annotations } } : {}) },
      spec: {
        refreshInterval: props.refreshInterval ?? '1h',
        secretStoreRef: { kind: eso.ExternalSecretSpecSecretStoreRefKind.CLUSTER_SECRET_STORE, name: props.store },
        target: {
          name: props.name,
          creationPolicy: eso.ExternalSecretSpecTargetCreationPolicy.OWNER,
          ...(needsTemplate
            ? {
                template: {
                  engineVersion: eso.ExternalSecretSpecTargetTemplateEngineVersion.V2,
                  mergePolicy: eso.ExternalSecretSpecTargetTemplateMergePolicy.MERGE,
                  ...(props.type ? { type: props.type } : {}),
                  ...(Object.keys(labels).length > 0 ? { metadata: { labels: { ...labels } } } : {}),
                  ...(Object.keys(template).length > 0 ? { data: { ...template } } : {}),
                },
              }
            : {}),
        },
        data: props.keys.map((k) => ({
          secretKey: k.secretKey,
          remoteRef: { key: k.remoteKey, ...(k.property ? { property: k.property } : {}) },
        })),
      },
    });
  }
}
