package riverwork

// UniqueWhileQueued is the unique options of RefreshShipment jobs.
var UniqueWhileQueued = uniqueWhileQueued
