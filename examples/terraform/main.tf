# A data product's storage, as in the seed: a PII bucket with encryption and access logging configured
# through the separate resources of AWS provider v4+. `terraform plan` needs no AWS account: the provider
# is configured with placeholder credentials and skips every call that would need real ones.
terraform {
  required_providers {
    aws = { source = "hashicorp/aws", version = "~> 5.0" }
  }
}

provider "aws" {
  region                      = "eu-west-1"
  access_key                  = "placeholder"
  secret_key                  = "placeholder"
  skip_credentials_validation = true
  skip_requesting_account_id  = true
  skip_metadata_api_check     = true
  default_tags {
    tags = { Domain = "finance", Owner = "team-finance@company.com" }
  }
}

resource "aws_s3_bucket" "ledger" {
  bucket = "finance-ledger-data-product"
  tags   = { DataClassification = "PII" }
}

resource "aws_s3_bucket" "access_logs" {
  bucket = "finance-ledger-access-logs"
  tags   = { DataClassification = "Internal" }
}

resource "aws_s3_bucket_server_side_encryption_configuration" "ledger" {
  bucket = aws_s3_bucket.ledger.id
  rule {
    apply_server_side_encryption_by_default { sse_algorithm = "aws:kms" }
  }
}

resource "aws_s3_bucket_logging" "ledger" {
  bucket        = aws_s3_bucket.ledger.id
  target_bucket = aws_s3_bucket.access_logs.id
  target_prefix = "ledger/"
}
