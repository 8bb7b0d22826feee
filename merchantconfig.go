package bankhub

// MerchantConfigService reads and changes the merchant configuration.
type MerchantConfigService service
