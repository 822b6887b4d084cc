//! What is left to do after a fix that no local tool can do: rotate the key (it was on
//! disk and in the index, so it must be treated as exposed) and, where the provider offers
//! one, move to keyless authentication, with a short snippet in the file's language.

use super::lang::Lang;

/// Which provider family a rule belongs to, for the keyless snippet.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Provider {
    /// Azure OpenAI / Azure AI services: Microsoft Entra ID.
    AzureOpenAi,
    /// Amazon Bedrock: IAM roles.
    Bedrock,
    /// Gemini: Vertex AI with Application Default Credentials / workload identity.
    Gemini,
    /// Any other.
    Other,
}

impl Provider {
    /// The provider of a rule id.
    pub fn of(rule_id: &str) -> Provider {
        if rule_id.starts_with("azure-openai") || rule_id.starts_with("azure-ai-services") {
            Provider::AzureOpenAi
        } else if rule_id.starts_with("aws-bedrock") {
            Provider::Bedrock
        } else if rule_id.starts_with("gemini") {
            Provider::Gemini
        } else {
            Provider::Other
        }
    }
}

/// A short keyless snippet for `provider` in `lang`, when one helps.
pub fn snippet(provider: Provider, lang: Lang) -> Option<&'static str> {
    use Lang::*;
    match (provider, lang) {
        (Provider::AzureOpenAi, Python | Notebook) => Some(
            "from azure.identity import DefaultAzureCredential, get_bearer_token_provider\n\
             from openai import AzureOpenAI\n\
             token_provider = get_bearer_token_provider(\n\
             \x20   DefaultAzureCredential(), \"https://cognitiveservices.azure.com/.default\")\n\
             client = AzureOpenAI(azure_endpoint=os.environ[\"AZURE_OPENAI_ENDPOINT\"],\n\
             \x20                    azure_ad_token_provider=token_provider, api_version=\"2024-10-21\")",
        ),
        (Provider::AzureOpenAi, JavaScript | TypeScript) => Some(
            "import { DefaultAzureCredential, getBearerTokenProvider } from \"@azure/identity\";\n\
             import { AzureOpenAI } from \"openai\";\n\
             const azureADTokenProvider = getBearerTokenProvider(\n\
             \x20 new DefaultAzureCredential(), \"https://cognitiveservices.azure.com/.default\");\n\
             const client = new AzureOpenAI({ azureADTokenProvider, apiVersion: \"2024-10-21\" });",
        ),
        (Provider::AzureOpenAi, CSharp) => Some(
            "using Azure.AI.OpenAI;\nusing Azure.Identity;\n\
             var client = new AzureOpenAIClient(\n\
             \x20   new Uri(Environment.GetEnvironmentVariable(\"AZURE_OPENAI_ENDPOINT\")!), new DefaultAzureCredential());",
        ),
        (Provider::Bedrock, Python | Notebook) => Some(
            "import boto3\n\
             # Credentials come from the IAM role (instance/task role, OIDC role in CI); no API key.\n\
             client = boto3.client(\"bedrock-runtime\")",
        ),
        (Provider::Bedrock, JavaScript | TypeScript) => Some(
            "import { BedrockRuntimeClient } from \"@aws-sdk/client-bedrock-runtime\";\n\
             // Credentials come from the IAM role (instance/task role, OIDC role in CI); no API key.\n\
             const client = new BedrockRuntimeClient({});",
        ),
        (Provider::Gemini, Python | Notebook) => Some(
            "from google import genai\n\
             # Application Default Credentials: the attached service account on Google Cloud,\n\
             # workload identity federation elsewhere; no API key.\n\
             client = genai.Client(vertexai=True, project=os.environ[\"GOOGLE_CLOUD_PROJECT\"], location=\"global\")",
        ),
        _ => None,
    }
}

/// How a program in `lang` gets the variables of `.env`, which nothing loads by itself
/// (Compose excepted).
pub fn loading_hint(lang: Lang) -> &'static str {
    match lang {
        Lang::Python | Lang::Notebook => {
            "Python does not read .env by itself: `from dotenv import load_dotenv; load_dotenv()` (python-dotenv), or `set -a; . ./.env; set +a` before running"
        }
        Lang::JavaScript | Lang::TypeScript => {
            "Node reads it with `node --env-file=.env …` (Node 20.6+) or the dotenv package"
        }
        Lang::Compose => {
            "Compose reads .env from the project directory (the compose file's) by itself; elsewhere pass `--env-file .env`"
        }
        Lang::Terraform => {
            "Terraform reads TF_VAR_<name>: `set -a; . ./.env; set +a` before `terraform plan`"
        }
        _ => "export the variables before running: `set -a; . ./.env; set +a` (or your framework's .env loader)",
    }
}
