# Backends and the storage library (backends/).
