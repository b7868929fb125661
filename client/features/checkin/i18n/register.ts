import { addTranslations } from '../../../lib/i18n';
import { en } from './en';
import { es } from './es';

addTranslations('checkin', { en, es });
