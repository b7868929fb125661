import { addTranslations } from '../../../lib/i18n';
import { en } from './en';
import { es } from './es';

addTranslations('video', { en, es });
