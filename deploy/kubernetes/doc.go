// Package kubernetes holds Rapport's Kubernetes manifests (kustomize: base
// and overlays/production). It has no code; its tests build the overlays
// with kustomize and decode every resource strictly into its API type.
package kubernetes
