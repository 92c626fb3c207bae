// Tests of the CloudMatrix.Compute package (tensors, topology, network, collectives, sharding).
