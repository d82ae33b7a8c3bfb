# The PVH guest kernel (frontends/).
