"""labsupport.k8s: a Kubernetes control plane in miniature (exports are filled in below)."""
__all__: list[str] = []
