package kubernetes_test

import corev1 "k8s.io/api/core/v1"

// CloudNativePG's Go module is not served by the module proxy this project
// builds from, so its resources are decoded into these structs instead:
// exactly the fields the manifests use, named and typed after the
// CloudNativePG API reference (https://cloudnative-pg.io/documentation/current/cloudnative-pg.v1/)
// and the Barman Cloud plugin's (https://cloudnative-pg.io/plugin-barman-cloud/docs/plugin-barman-cloud.v1/).
// Decoding is strict, so a field that is misspelt, misplaced or not in
// this list fails the test; a field the API has but these structs lack
// must be added here, from the reference, before a manifest may use it.

type objectMeta struct {
	Name        string            `json:"name"`
	Namespace   string            `json:"namespace,omitempty"`
	Labels      map[string]string `json:"labels,omitempty"`
	Annotations map[string]string `json:"annotations,omitempty"`
}

type typeMeta struct {
	APIVersion string `json:"apiVersion"`
	Kind       string `json:"kind"`
}

// cnpgCluster is postgresql.cnpg.io/v1 Cluster.
type cnpgCluster struct {
	typeMeta `json:",inline"`
	Metadata objectMeta `json:"metadata"`
	Spec     struct {
		Instances             int    `json:"instances"`
		ImageName             string `json:"imageName"`
		PrimaryUpdateStrategy string `json:"primaryUpdateStrategy"`
		PostgreSQL            struct {
			Parameters map[string]string `json:"parameters"`
		} `json:"postgresql,omitempty"`
		Bootstrap struct {
			InitDB *struct {
				Database string `json:"database"`
				Owner    string `json:"owner"`
			} `json:"initdb,omitempty"`
			Recovery *struct {
				Source         string `json:"source"`
				RecoveryTarget *struct {
					TargetTime string `json:"targetTime,omitempty"`
				} `json:"recoveryTarget,omitempty"`
			} `json:"recovery,omitempty"`
		} `json:"bootstrap"`
		ExternalClusters []struct {
			Name   string `json:"name"`
			Plugin struct {
				Name       string            `json:"name"`
				Parameters map[string]string `json:"parameters"`
			} `json:"plugin"`
		} `json:"externalClusters,omitempty"`
		Storage    cnpgStorage                 `json:"storage"`
		WalStorage *cnpgStorage                `json:"walStorage,omitempty"`
		Resources  corev1.ResourceRequirements `json:"resources"`
		Affinity   struct {
			EnablePodAntiAffinity bool   `json:"enablePodAntiAffinity"`
			TopologyKey           string `json:"topologyKey"`
			PodAntiAffinityType   string `json:"podAntiAffinityType"`
		} `json:"affinity,omitempty"`
		Plugins []struct {
			Name          string            `json:"name"`
			IsWALArchiver bool              `json:"isWALArchiver"`
			Parameters    map[string]string `json:"parameters"`
		} `json:"plugins"`
	} `json:"spec"`
}

type cnpgStorage struct {
	Size         string  `json:"size"`
	StorageClass *string `json:"storageClass,omitempty"`
}

// cnpgPooler is postgresql.cnpg.io/v1 Pooler.
type cnpgPooler struct {
	typeMeta `json:",inline"`
	Metadata objectMeta `json:"metadata"`
	Spec     struct {
		Cluster struct {
			Name string `json:"name"`
		} `json:"cluster"`
		Instances int    `json:"instances"`
		Type      string `json:"type"`
		PgBouncer struct {
			PoolMode   string            `json:"poolMode"`
			Parameters map[string]string `json:"parameters"`
		} `json:"pgbouncer"`
	} `json:"spec"`
}

// cnpgScheduledBackup is postgresql.cnpg.io/v1 ScheduledBackup.
type cnpgScheduledBackup struct {
	typeMeta `json:",inline"`
	Metadata objectMeta `json:"metadata"`
	Spec     struct {
		Schedule             string `json:"schedule"`
		Immediate            bool   `json:"immediate"`
		BackupOwnerReference string `json:"backupOwnerReference"`
		Cluster              struct {
			Name string `json:"name"`
		} `json:"cluster"`
		Method              string `json:"method"`
		PluginConfiguration struct {
			Name string `json:"name"`
		} `json:"pluginConfiguration"`
	} `json:"spec"`
}

type secretKeySelector struct {
	Name string `json:"name"`
	Key  string `json:"key"`
}

// barmanObjectStore is barmancloud.cnpg.io/v1 ObjectStore.
type barmanObjectStore struct {
	typeMeta `json:",inline"`
	Metadata objectMeta `json:"metadata"`
	Spec     struct {
		RetentionPolicy string `json:"retentionPolicy"`
		Configuration   struct {
			DestinationPath string `json:"destinationPath"`
			S3Credentials   struct {
				AccessKeyID     secretKeySelector `json:"accessKeyId"`
				SecretAccessKey secretKeySelector `json:"secretAccessKey"`
			} `json:"s3Credentials"`
			Wal struct {
				Compression string `json:"compression"`
				MaxParallel int    `json:"maxParallel"`
			} `json:"wal"`
			Data struct {
				Compression string `json:"compression"`
				Jobs        int    `json:"jobs"`
			} `json:"data"`
		} `json:"configuration"`
	} `json:"spec"`
}
